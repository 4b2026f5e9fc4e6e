package dev.groklab.backend.cpu;

import dev.groklab.backend.MatmulPlan;
import dev.groklab.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * float32 matmul on the CPU (Vector API): picks the packed GEMM ({@link MatmulGemm#run}) or the
 * unpacked small-product path, and splits the work across cores by rows, columns or batches.
 * Handles every float32 layout, so it never falls back to the reference.
 */
final class MatmulKernels {
    private MatmulKernels() {}

    /** Forced path for tests: AUTO chooses by shape. */
    static final int AUTO = 0, PACKED = 1, SMALL = 2;

    /** Below this many flops a fork costs more than it saves. */
    static final double PARALLEL_MIN_FLOPS = 1 << 20;

    static boolean matmul(MatmulPlan p, Tensor a, Tensor b, Tensor out, boolean accumulate) {
        return matmul(p, a, b, out, accumulate, AUTO);
    }

    static boolean matmul(MatmulPlan p, Tensor a, Tensor b, Tensor out, boolean accumulate, int path) {
        int m = p.n(), k = p.k(), n = p.m(), batch = p.batch();
        if (m == 0 || n == 0) return true;
        MemorySegment cs = out.segment();
        if (batch == 0 || k == 0) {
            if (!accumulate) cs.asSlice(out.offset() * Float.BYTES, (long) out.numel() * Float.BYTES).fill((byte) 0);
            return true;
        }
        MatmulGemm g = new MatmulGemm(a.segment(), b.segment(), cs, m, n, k, p.aOffset(), p.bOffset(),
                p.aRowStride(), p.aColStride(), p.bRowStride(), p.bColStride(), accumulate);
        boolean packed = path == PACKED || (path == AUTO && usePacked(m, n, k));
        double perBatch = 2.0 * m * n * k;
        if (p.reduceBatch()) {
            // The batch is one long K: every batch's product lands in the same C.
            split(g.at(0, batch, p.outOffset()[0]), packed, perBatch * batch >= PARALLEL_MIN_FLOPS);
            return true;
        }
        long[] co = p.outOffset();
        int threads = Parallel.threads();
        if (batch > 1 && threads > 1 && (batch >= 4 * threads || perBatch < 4 * PARALLEL_MIN_FLOPS)
                && perBatch * batch >= PARALLEL_MIN_FLOPS) {
            int grain = (int) Math.max(1, Math.min(batch / threads, PARALLEL_MIN_FLOPS / 4 / perBatch));
            Parallel.range(batch, grain, (lo, hi) -> {
                for (int t = lo; t < hi; t++) {
                    MatmulGemm gt = g.at(t, 1, co[t]);
                    if (packed) gt.run(0, m, 0, n); else gt.runSmall(0, n);
                }
            });
            return true;
        }
        for (int t = 0; t < batch; t++) split(g.at(t, 1, co[t]), packed, perBatch >= PARALLEL_MIN_FLOPS);
        return true;
    }

    /**
     * The packed path pays for padding rows to MR and columns to NR and for packing both operands;
     * thin or tiny products do better unpacked.
     */
    static boolean usePacked(int m, int n, int k) {
        return m >= 4 && n >= MatmulGemm.L && k >= 4 && (long) m * n * k >= 4096;
    }

    /** Runs one product, split by rows or columns over the cores when it is big enough. */
    private static void split(MatmulGemm g, boolean packed, boolean parallel) {
        int m = g.m, n = g.n, threads = parallel ? Parallel.threads() : 1;
        if (!packed) {
            int parts = Math.min(threads, Math.max(1, n / (2 * MatmulGemm.L)));
            if (parts <= 1) { g.runSmall(0, n); return; }
            int chunk = MatmulGemm.roundUp((n + parts - 1) / parts, MatmulGemm.L);
            Parallel.range(parts, 1, (lo, hi) -> {
                for (int t = lo; t < hi; t++) g.runSmall(Math.min(n, t * chunk), Math.min(n, (t + 1) * chunk));
            });
            return;
        }
        boolean byRows = (long) m * MatmulGemm.NR >= (long) n * MatmulGemm.MR;
        int unit = byRows ? MatmulGemm.MR : MatmulGemm.NR, extent = byRows ? m : n;
        int parts = Math.min(threads, (extent + unit - 1) / unit);
        if (parts <= 1) { g.run(0, m, 0, n); return; }
        int chunk = MatmulGemm.roundUp((extent + parts - 1) / parts, unit);
        Parallel.range(parts, 1, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                int from = Math.min(extent, t * chunk), to = Math.min(extent, (t + 1) * chunk);
                if (byRows) g.run(from, to, 0, n); else g.run(0, m, from, to);
            }
        });
    }
}
