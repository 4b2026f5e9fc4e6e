package dev.groklab.backend.cpu;

import dev.groklab.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Fused float32 scaled-dot-product attention (Vector API) over dense q, k, v, out [B, T, D] and
 * lse [B, T]. Short sequences go through {@link AttentionSmall} (groups of sequences, softmax
 * vectorised across them), longer ones through {@link AttentionTiled} (packed panels,
 * register-blocked products). Sums run in fixed orders and exp/log are polynomials, so results
 * have the same bits on every JIT tier, and a sequence's results do not depend on B or on the
 * thread count. False = use the reference.
 */
final class AttentionKernels {
    private AttentionKernels() {}

    /** Which path runs: chosen by length, or forced (tests cover both paths on every shape). */
    static final int AUTO = 0, SMALL = 1, TILED = 2;

    /**
     * From this length on the tiled path wins (measured on AVX2, D of 32 and 64; the two are close
     * from T = 16 to 32): below it, packing and the padding of T to panel width cost more than the
     * row-wise path's lane folds.
     */
    static final int TILED_MIN_T = 32;

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

    // ---- exp and log on arrays ----------------------------------------------------------------
    //
    // SimdMath's polynomials (so every JIT tier gives the same bits), written with JDK calls only:
    // SimdMath routes constants through a helper, and a helper that fails to inline into a large
    // caller (C2's node budget) boxes every vector through it, where force-inlined JDK methods
    // never do. Arrays in and out, so no vector crosses a call of ours either.

    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    private static final int L = SP.length();
    private static final float EXP_HI = 88.3762626647949f, EXP_LO = -87.3365447504f;
    private static final float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f, SQRTHF = 0.707106781186547524f;

    /**
     * a[from, to) ← exp a, to − from a multiple of the vector length. For softmax scores shifted
     * by their row maximum (a ≤ 0), where one power-of-two factor equals SimdMath's two.
     */
    static void expInPlace(float[] a, int from, int to) {
        for (int j = from; j < to; j += L) {
            FloatVector x = FloatVector.fromArray(SP, a, j);
            VectorMask<Float> under = x.lt(EXP_LO);
            FloatVector xc = x.min(EXP_HI).max(EXP_LO);
            FloatVector n = xc.mul(LOG2E).add(ROUND).sub(ROUND);
            FloatVector r = n.fma(FloatVector.broadcast(SP, -LN2_HI), xc);
            r = n.fma(FloatVector.broadcast(SP, -LN2_LO), r);
            FloatVector p = FloatVector.broadcast(SP, 1.9875691500e-4f);
            p = p.fma(r, FloatVector.broadcast(SP, 1.3981999507e-3f));
            p = p.fma(r, FloatVector.broadcast(SP, 8.3334519073e-3f));
            p = p.fma(r, FloatVector.broadcast(SP, 4.1665795894e-2f));
            p = p.fma(r, FloatVector.broadcast(SP, 1.6666665459e-1f));
            p = p.fma(r, FloatVector.broadcast(SP, 5.0000001201e-1f));
            p = p.fma(r.mul(r), r).add(1f);
            IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
            // NaN needs no special case: it survives the clamps and the polynomial.
            p.mul(bits.reinterpretAsFloats()).blend(0f, under).intoArray(a, j);
        }
    }

    /**
     * a[at, at + L) ← log a for softmax normalisers (z ≥ 1, finite), without SimdMath.log's
     * special-value path; NaN stays NaN through the final z − z.
     */
    static void logNormaliser(float[] a, int at) {
        FloatVector z = FloatVector.fromArray(SP, a, at);
        IntVector bits = z.reinterpretAsInts();
        FloatVector e = ((IntVector) bits.lanewise(VectorOperators.LSHR, 23).sub(126)).convert(VectorOperators.I2F, 0).reinterpretAsFloats();
        FloatVector m = bits.and(0x007FFFFF).or(0x3F000000).reinterpretAsFloats();
        VectorMask<Float> small = m.lt(SQRTHF);
        e = e.sub(FloatVector.broadcast(SP, 1f).blend(0f, small.not()));
        FloatVector f = m.add(m.blend(0f, small.not())).sub(1f);
        FloatVector z2 = f.mul(f);
        FloatVector p = FloatVector.broadcast(SP, 7.0376836292e-2f);
        p = p.fma(f, FloatVector.broadcast(SP, -1.1514610310e-1f));
        p = p.fma(f, FloatVector.broadcast(SP, 1.1676998740e-1f));
        p = p.fma(f, FloatVector.broadcast(SP, -1.2420140846e-1f));
        p = p.fma(f, FloatVector.broadcast(SP, 1.4249322787e-1f));
        p = p.fma(f, FloatVector.broadcast(SP, -1.6668057665e-1f));
        p = p.fma(f, FloatVector.broadcast(SP, 2.0000714765e-1f));
        p = p.fma(f, FloatVector.broadcast(SP, -2.4999993993e-1f));
        p = p.fma(f, FloatVector.broadcast(SP, 3.3333331174e-1f));
        FloatVector y = p.mul(f).mul(z2);
        y = e.fma(FloatVector.broadcast(SP, LN2_LO), y);
        y = z2.fma(FloatVector.broadcast(SP, -0.5f), y);
        e.fma(FloatVector.broadcast(SP, LN2_HI), f.add(y)).add(z.sub(z)).intoArray(a, at);
    }

    /** Sum of a[at, at + L) folded by halves in place: a fixed order, the same bits on every tier. */
    static float foldSum(float[] a, int at) {
        for (int w = L >> 1; w > 0; w >>= 1) {
            for (int i = at; i < at + w; i++) a[i] += a[i + w];
        }
        return a[at];
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

        /** Copies n floats of operand {@code which}, from its element {@code at} on, into dst[to, to + n). */
        void read(int which, long at, float[] dst, int to, int n) {
            MemorySegment.copy(seg[which], ValueLayout.JAVA_FLOAT, off[which] + Float.BYTES * at, dst, to, n);
        }

        /** Copies src[from, from + n) into operand {@code which} from its element {@code at} on. */
        void write(float[] src, int from, int which, long at, int n) {
            MemorySegment.copy(src, from, seg[which], ValueLayout.JAVA_FLOAT, off[which] + Float.BYTES * at, n);
        }
    }
}
