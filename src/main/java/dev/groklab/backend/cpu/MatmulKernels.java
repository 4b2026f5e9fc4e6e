package dev.groklab.backend.cpu;

import dev.groklab.backend.MatmulPlan;
import dev.groklab.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * float32 matmul on the CPU (Vector API): the packed GEMM ({@link MatmulGemm}) for products big
 * enough to amortize packing, the unpacked kernels ({@link MatmulSmall}) for tiny or thin ones,
 * split across cores by rows, columns or batches. Handles every float32 layout, so it never
 * falls back to the reference.
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
        int aRS = p.aRowStride(), aCS = p.aColStride(), bRS = p.bRowStride(), bCS = p.bColStride();
        boolean packed = path == PACKED || (path == AUTO && usePacked(m, n, k, aCS, bRS, bCS));
        double perBatch = 2.0 * m * n * k;
        int threads = Parallel.threads();
        long[] ao = p.aOffset(), bo = p.bOffset(), co = p.outOffset();
        MemorySegment as = a.segment(), bs = b.segment();

        if (!packed) {
            if (p.reduceBatch()) {
                for (int t = 0; t < batch; t++) {
                    MatmulSmall.multiply(as, ao[t], aRS, aCS, bs, bo[t], bRS, bCS, cs, co[0], n, m, n, k, accumulate || t > 0);
                }
            } else if (batch > 1 && threads > 1 && perBatch * batch >= PARALLEL_MIN_FLOPS) {
                int grain = (int) Math.max(1, Math.min(batch / threads, PARALLEL_MIN_FLOPS / 4 / perBatch));
                Parallel.range(batch, grain, (lo, hi) -> {
                    for (int t = lo; t < hi; t++) {
                        MatmulSmall.multiply(as, ao[t], aRS, aCS, bs, bo[t], bRS, bCS, cs, co[t], n, m, n, k, accumulate);
                    }
                });
            } else {
                for (int t = 0; t < batch; t++) {
                    smallSplit(as, ao[t], aRS, aCS, bs, bo[t], bRS, bCS, cs, co[t], m, n, k, accumulate,
                            perBatch >= PARALLEL_MIN_FLOPS ? threads : 1);
                }
            }
            return true;
        }

        MatmulGemm g = new MatmulGemm(as, bs, cs, m, n, k, ao, bo, aRS, aCS, bRS, bCS, accumulate);
        if (p.reduceBatch()) {
            // The batch is one long K: every batch's product lands in the same C.
            packedSplit(g.at(0, batch, co[0]), perBatch * batch >= PARALLEL_MIN_FLOPS ? threads : 1);
            return true;
        }
        if (batch > 1 && threads > 1 && (batch >= 4 * threads || batch % threads == 0 || perBatch < 4 * PARALLEL_MIN_FLOPS)
                && perBatch * batch >= PARALLEL_MIN_FLOPS) {
            // Many independent products, or as many per core (an ensemble's models): one per task,
            // each single-threaded. Whole products per core pack each operand once and need no
            // join per product; every element is summed in the same order either way.
            int grain = (int) Math.max(1, Math.min(batch / threads, PARALLEL_MIN_FLOPS / 4 / perBatch));
            Parallel.range(batch, grain, (lo, hi) -> {
                for (int t = lo; t < hi; t++) g.at(t, 1, co[t]).run(0, m, 0, n);
            });
            return true;
        }
        for (int t = 0; t < batch; t++) packedSplit(g.at(t, 1, co[t]), perBatch >= PARALLEL_MIN_FLOPS ? threads : 1);
        return true;
    }

    /**
     * The packed path pays for packing both operands and for padding rows to MR and columns to
     * NR. With at most MR rows, packing B costs more than streaming it once; thin outputs waste
     * most of a padded tile; tiny products are dominated by fixed costs. Where only the scalar
     * unpacked kernel takes the strides, packing wins early. Thresholds measured.
     */
    static boolean usePacked(int m, int n, int k, int aColStride, int bRowStride, int bColStride) {
        long work = (long) m * n * k;
        if (!MatmulSmall.vectorized(aColStride, bRowStride, bColStride, k)) return work >= 1 << 12;
        if (m <= MatmulGemm.MR) return false;
        if (n < MatmulGemm.L) return bColStride == 1 && work >= 1 << 16;
        return work > (bColStride == 1 ? 1 << 14 : 1 << 12);
    }

    /**
     * One packed product, split by rows or by columns. Each part packs the whole of the other
     * operand, so the split goes along the larger dimension: the smaller operand is the one read
     * twice (packing the big one is bound by memory bandwidth).
     */
    private static void packedSplit(MatmulGemm g, int threads) {
        int m = g.m, n = g.n;
        boolean byRows = m >= threads * MatmulGemm.MR && (m >= n || n < threads * MatmulGemm.NR);
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

    /** One unpacked product, split by rows, or by columns when there are too few rows. */
    private static void smallSplit(MemorySegment as, long ao, int aRS, int aCS, MemorySegment bs, long bo, int bRS, int bCS,
                                   MemorySegment cs, long co, int m, int n, int k, boolean add, int threads) {
        int unit = 4 * MatmulGemm.L;
        boolean byRows = m >= 2 * threads;
        int parts = Math.min(threads, byRows ? m : (n + unit - 1) / unit);
        if (parts <= 1) {
            MatmulSmall.multiply(as, ao, aRS, aCS, bs, bo, bRS, bCS, cs, co, n, m, n, k, add);
            return;
        }
        int chunk = byRows ? (m + parts - 1) / parts : MatmulGemm.roundUp((n + parts - 1) / parts, unit);
        Parallel.range(parts, 1, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                if (byRows) {
                    int from = Math.min(m, t * chunk), to = Math.min(m, (t + 1) * chunk);
                    MatmulSmall.multiply(as, ao + (long) from * aRS, aRS, aCS, bs, bo, bRS, bCS,
                            cs, co + (long) from * n, n, to - from, n, k, add);
                } else {
                    int from = Math.min(n, t * chunk), to = Math.min(n, (t + 1) * chunk);
                    MatmulSmall.multiply(as, ao, aRS, aCS, bs, bo + (long) from * bCS, bRS, bCS,
                            cs, co + from, n, m, to - from, k, add);
                }
            }
        });
    }
}
