package dev.groklab.backend.cpu;

import dev.groklab.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/**
 * Fused float32 scaled-dot-product attention (Vector API) over dense q, k, v, out [B, T, D] and
 * lse [B, T]. Short sequences go row by row straight from the segments ({@link AttentionSmall});
 * longer ones through padded per-sequence tiles and small register-blocked products
 * ({@link AttentionTiled}). False = use the reference.
 */
final class AttentionKernels {
    private AttentionKernels() {}

    /** Which path runs: chosen by length, or forced (tests cover both paths on every shape). */
    static final int AUTO = 0, SMALL = 1, TILED = 2;

    /**
     * From this length on the tiled path wins: below it the per-sequence copies and the padding of
     * T to a vector length cost more than the lane reductions of the row-wise path save.
     */
    static final int TILED_MIN_T = 16;

    static boolean attention(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse) {
        return attention(q, k, v, causal, out, lse, AUTO);
    }

    static boolean attentionBackward(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse,
                                     Tensor gOut, Tensor gq, Tensor gk, Tensor gv) {
        return attentionBackward(q, k, v, causal, out, lse, gOut, gq, gk, gv, AUTO);
    }

    static boolean attention(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse, int path) {
        if (!dense(q, k, v, out) || !rowStats(lse, q)) return false;
        int b = q.dim(0), t = q.dim(1), d = q.dim(2);
        if (b == 0) return true;
        if (t == 0 || d == 0) return false;
        Io io = new Io(new Tensor[]{q, k, v, out, lse});
        if (tiled(path, t)) AttentionTiled.forward(io, b, t, d, causal);
        else AttentionSmall.forward(io, b, t, d, causal);
        return true;
    }

    static boolean attentionBackward(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse,
                                     Tensor gOut, Tensor gq, Tensor gk, Tensor gv, int path) {
        if (!dense(q, k, v, out, gOut, gq, gk, gv) || !rowStats(lse, q)) return false;
        if (!q.sameShape(gOut) || !q.sameShape(gq) || !q.sameShape(gk) || !q.sameShape(gv)) return false;
        int b = q.dim(0), t = q.dim(1), d = q.dim(2);
        if (b == 0) return true;
        if (t == 0 || d == 0) return false;
        Io io = new Io(new Tensor[]{q, k, v, out, lse, gOut, gq, gk, gv});
        if (tiled(path, t)) AttentionTiled.backward(io, b, t, d, causal);
        else AttentionSmall.backward(io, b, t, d, causal);
        return true;
    }

    private static boolean tiled(int path, int t) {
        return path == TILED || (path == AUTO && t >= TILED_MIN_T);
    }

    private static boolean dense(Tensor... ts) {
        for (Tensor t : ts) if (!t.isContiguous()) return false;
        return true;
    }

    /** lse holds one float per (b, t) row, laid out flat like the reference reads it. */
    private static boolean rowStats(Tensor lse, Tensor q) {
        return lse.isContiguous() && lse.numel() == q.dim(0) * q.dim(1);
    }

    /** Segments and byte offsets of the operands, in the order the kernels name them. */
    static final class Io {
        static final int Q = 0, K = 1, V = 2, OUT = 3, LSE = 4, GOUT = 5, GQ = 6, GK = 7, GV = 8;

        final MemorySegment[] seg;
        final long[] off;

        Io(Tensor[] ts) {
            seg = new MemorySegment[ts.length];
            off = new long[ts.length];
            for (int i = 0; i < ts.length; i++) {
                seg[i] = ts[i].segment();
                off[i] = ts[i].offset() * Float.BYTES;
            }
        }
    }
}
