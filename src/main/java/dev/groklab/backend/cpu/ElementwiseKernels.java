package dev.groklab.backend.cpu;

import dev.groklab.backend.Binary;
import dev.groklab.backend.ScalarOp;
import dev.groklab.backend.Unary;
import dev.groklab.backend.cpu.SimdUtil.Buf;
import dev.groklab.backend.cpu.SimdUtil.Layout;
import dev.groklab.backend.cpu.SimdUtil.RowCursor;
import dev.groklab.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.groklab.backend.cpu.SimdUtil.GRAIN;
import static dev.groklab.backend.cpu.SimdUtil.GRAIN_HEAVY;
import static dev.groklab.backend.cpu.SimdUtil.L;
import static dev.groklab.backend.cpu.SimdUtil.ORDER;
import static dev.groklab.backend.cpu.SimdUtil.S;
import static dev.groklab.backend.cpu.SimdUtil.get;
import static dev.groklab.backend.cpu.SimdUtil.set;

/**
 * float32 elementwise kernels (Vector API). Each returns false where it leaves the work to the
 * reference: outputs that are not dense, strided sources that share storage with the output
 * (copy; binary with a broadcast operand of odd stride), and sums of a strided x or of another
 * pattern than leading rows, the last axis, the middle of [G, R, C], or everything.
 *
 * <p>Strided inputs are handled by row loops (an operand's stride along the row is 1, 0 or any)
 * or, when full-size, gathered once into a pooled dense buffer (tiled for transposes).
 */
final class ElementwiseKernels {
    private ElementwiseKernels() {}

    // ---- memory ---------------------------------------------------------------------------------

    static boolean fill(Tensor out, double value) {
        if (!out.isContiguous()) return false;
        int n = out.numel();
        if (n == 0) return true;
        MemorySegment s = out.segment();
        long o = out.offset();
        float v = (float) value;
        Parallel.range(n, 4 * GRAIN, (from, to) -> fillRange(s, o + from, to - from, v));
        return true;
    }

    static void fillRange(MemorySegment s, long off, int n, float v) {
        if (Float.floatToRawIntBits(v) == 0) {
            s.asSlice(off << 2, (long) n << 2).fill((byte) 0);
            return;
        }
        FloatVector vv = FloatVector.broadcast(S, v);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) vv.intoMemorySegment(s, (off + i) << 2, ORDER);
        for (; i < n; i++) set(s, off + i, v);
    }

    static boolean copy(Tensor src, Tensor dst) {
        if (!dst.isContiguous()) return src.storage() != dst.storage() && scatterStrided(src, dst);
        int n = dst.numel();
        if (n == 0) return true;
        MemorySegment ds = dst.segment();
        long doff = dst.offset();
        if (src.isContiguous()) {
            MemorySegment ss = src.segment();
            long so = src.offset();
            if (src.storage() == dst.storage()) {
                // memmove semantics for overlapping ranges: one call, no split.
                if (so != doff) MemorySegment.copy(ss, so << 2, ds, doff << 2, (long) n << 2);
                return true;
            }
            Parallel.range(n, 8 * GRAIN, (from, to) ->
                    MemorySegment.copy(ss, (so + from) << 2, ds, (doff + from) << 2, (long) (to - from) << 2));
            return true;
        }
        if (src.storage() == dst.storage()) return false;
        gatherDense(src, ds, doff);
        return true;
    }

    /**
     * Any view into a strided destination (a slice's gradient written into its place): row by
     * row over the merged layout of both. Broadcast destinations (stride 0) are left to the
     * reference, which defines their last-write-wins order.
     */
    private static boolean scatterStrided(Tensor src, Tensor dst) {
        for (int st : dst.strides()) if (st == 0) return false;
        if (dst.numel() == 0) return true;
        Layout l = Layout.of(dst.shape(), dst.strides(), src.strides());
        MemorySegment ds = dst.segment(), ss = src.segment();
        int len = l.inner(), dst1 = l.innerStride(0), src1 = l.innerStride(1);
        long[] base = {dst.offset(), src.offset()};
        SimdUtil.forRows(l.rows(), len, GRAIN, (from, to) -> {
            RowCursor c = new RowCursor(l, base, from);
            for (int r = from; r < to; r++) {
                long d = c.off[0], so = c.off[1];
                if (dst1 == 1) {
                    gatherRow(ss, so, src1, ds, d, len);
                } else {
                    for (int j = 0; j < len; j++) set(ds, d + (long) j * dst1, get(ss, so + (long) j * src1));
                }
                c.next();
            }
        });
        return true;
    }

    /** Writes any view's elements in row-major order to a dense destination. */
    static void gatherDense(Tensor src, MemorySegment ds, long doff) {
        Layout l = Layout.of(src.shape(), src.strides());
        MemorySegment ss = src.segment();
        int rank = l.rank(), len = l.inner(), st = l.innerStride(0);
        if (st != 1 && st != 0 && rank >= 2 && l.strides[0][rank - 2] == 1) {
            transposeDense(l, ss, src.offset(), ds, doff);
            return;
        }
        long[] base = {src.offset()};
        SimdUtil.forRows(l.rows(), len, GRAIN, (from, to) -> {
            RowCursor c = new RowCursor(l, base, from);
            long o = doff + (long) from * len;
            for (int r = from; r < to; r++, o += len) {
                gatherRow(ss, c.off[0], st, ds, o, len);
                c.next();
            }
        });
    }

    private static void gatherRow(MemorySegment ss, long so, int st, MemorySegment ds, long o, int len) {
        if (st == 1) {
            int i = 0;
            for (int ub = S.loopBound(len); i < ub; i += L) {
                FloatVector.fromMemorySegment(S, ss, (so + i) << 2, ORDER).intoMemorySegment(ds, (o + i) << 2, ORDER);
            }
            for (; i < len; i++) set(ds, o + i, get(ss, so + i));
        } else if (st == 0) {
            fillRange(ds, o, len, get(ss, so));
        } else {
            for (int j = 0; j < len; j++) set(ds, o + j, get(ss, so + (long) j * st));
        }
    }

    private static final int TILE = 32;

    /**
     * Source [..., A, B] with strides [..., 1, sB] (a transposed view) to dense: tiles keep both
     * the strided reads and the row writes within L1.
     */
    private static void transposeDense(Layout l, MemorySegment ss, long soff, MemorySegment ds, long doff) {
        int rank = l.rank(), a = l.shape[rank - 2], b = l.shape[rank - 1];
        long sb = l.strides[0][rank - 1];
        int outer = 1;
        for (int i = 0; i < rank - 2; i++) outer *= l.shape[i];
        int tilesA = (a + TILE - 1) / TILE;
        Parallel.range(outer * tilesA, Math.max(1, GRAIN / (TILE * b)), (from, to) -> {
            for (int task = from; task < to; task++) {
                int o = task / tilesA, a0 = (task % tilesA) * TILE, a1 = Math.min(a, a0 + TILE);
                long sbase = soff, rest = o;
                for (int d = rank - 3; d >= 0; d--) {
                    sbase += (rest % l.shape[d]) * l.strides[0][d];
                    rest /= l.shape[d];
                }
                long dbase = doff + (long) o * a * b;
                for (int b0 = 0; b0 < b; b0 += TILE) {
                    int b1 = Math.min(b, b0 + TILE);
                    for (int i = a0; i < a1; i++) {
                        long d = dbase + (long) i * b, s = sbase + i;
                        for (int j = b0; j < b1; j++) set(ds, d + j, get(ss, s + j * sb));
                    }
                }
            }
        });
    }

    // ---- unary ----------------------------------------------------------------------------------

    private static boolean heavy(Unary op) {
        return op == Unary.GELU || op == Unary.TANH || op == Unary.EXP || op == Unary.LOG;
    }

    static boolean unary(Unary op, Tensor x, Tensor out) {
        if (!out.isContiguous()) return false;
        int n = out.numel();
        if (n == 0) return true;
        MemorySegment os = out.segment();
        long oo = out.offset();
        try (Buf xb = Buf.of(x)) {
            Parallel.range(n, heavy(op) ? GRAIN_HEAVY : GRAIN,
                    (from, to) -> unaryRange(op, xb.seg(), xb.off() + from, os, oo + from, to - from));
        }
        return true;
    }

    static void unaryRange(Unary op, MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = switch (op) {
            case NEG -> neg(xs, xo, os, oo, n);
            case RELU -> relu(xs, xo, os, oo, n);
            case GELU -> gelu(xs, xo, os, oo, n);
            case TANH -> tanh(xs, xo, os, oo, n);
            case EXP -> expv(xs, xo, os, oo, n);
            case LOG -> log(xs, xo, os, oo, n);
            case SQUARE -> square(xs, xo, os, oo, n);
            case SQRT -> sqrt(xs, xo, os, oo, n);
            case ABS -> abs(xs, xo, os, oo, n);
        };
        for (; i < n; i++) set(os, oo + i, unary(op, get(xs, xo + i)));
    }

    /** The scalar twin of each vector loop (same float operations, so tails match the lanes). */
    static float unary(Unary op, float x) {
        return switch (op) {
            case NEG -> -x;
            case RELU -> x > 0 ? x : 0f;
            case GELU -> x / (SimdMath.exp(x * Math.fma(x * x, M2CA, M2C)) + 1f);
            case TANH -> SimdMath.tanh(x);
            case EXP -> x > EXP_OVERFLOW ? Float.POSITIVE_INFINITY : SimdMath.exp(x);
            case LOG -> SimdMath.log(x);
            case SQUARE -> x * x;
            case SQRT -> (float) Math.sqrt(x);
            case ABS -> Math.abs(x);
        };
    }

    private static int neg(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER).neg().intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    private static int relu(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER);
            zero.blend(x, x.compare(VectorOperators.GT, 0f)).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    // GELU (tanh form) as x·σ(2u): 0.5·(1 + tanh u) = σ(2u) = 1 / (1 + e^(−2u)), one exp, no tanh.
    static final float GELU_C = (float) Math.sqrt(2 / Math.PI);
    static final float GELU_A = 0.044715f;
    private static final float M2C = -2 * GELU_C, M2CA = -2 * GELU_C * GELU_A;
    private static final float DU0 = 2 * GELU_C, DU2 = 2 * GELU_C * 3 * GELU_A;

    /** Above this, e^x is beyond float range (SimdMath.exp saturates instead). */
    private static final float EXP_OVERFLOW = 88.72284f;

    private static int gelu(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER);
            FloatVector e = SimdUtil.exp(x.mul(x.mul(x).fma(M2CA, M2C)));      // e^(−2u), u = c·(x + a·x³)
            x.div(e.add(1f)).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    private static int tanh(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            SimdMath.tanh(FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER)).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    private static int expv(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER);
            SimdUtil.exp(x).blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_OVERFLOW))
                    .intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    private static int log(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            SimdMath.log(FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER)).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    private static int square(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER);
            x.mul(x).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    private static int sqrt(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER).sqrt().intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    private static int abs(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER).abs().intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    // ---- unary backward -------------------------------------------------------------------------

    static boolean unaryBackward(Unary op, Tensor x, Tensor y, Tensor gy, Tensor gx) {
        if (!gx.isContiguous()) return false;
        int n = gx.numel();
        if (n == 0) return true;
        MemorySegment gs = gx.segment();
        long go = gx.offset();
        try (Buf xb = Buf.of(x); Buf yb = Buf.of(y); Buf gyb = Buf.of(gy)) {
            Parallel.range(n, op == Unary.GELU ? GRAIN_HEAVY : GRAIN, (from, to) -> backwardRange(op,
                    xb.seg(), xb.off() + from, yb.seg(), yb.off() + from, gyb.seg(), gyb.off() + from, gs, go + from, to - from));
        }
        return true;
    }

    private static void backwardRange(Unary op, MemorySegment xs, long xo, MemorySegment ys, long yo,
                                      MemorySegment gys, long gyo, MemorySegment gs, long go, int n) {
        int i = switch (op) {
            case NEG -> negBackward(gys, gyo, gs, go, n);
            case RELU -> reluBackward(xs, xo, gys, gyo, gs, go, n);
            case GELU -> geluBackward(xs, xo, gys, gyo, gs, go, n);
            case TANH -> tanhBackward(ys, yo, gys, gyo, gs, go, n);
            case EXP -> mulBackward(ys, yo, gys, gyo, gs, go, n);
            case LOG -> divBackward(xs, xo, gys, gyo, gs, go, n);
            case SQUARE -> squareBackward(xs, xo, gys, gyo, gs, go, n);
            case SQRT -> sqrtBackward(ys, yo, gys, gyo, gs, go, n);
            case ABS -> absBackward(xs, xo, gys, gyo, gs, go, n);
        };
        for (; i < n; i++) set(gs, go + i, backward(op, get(xs, xo + i), get(ys, yo + i), get(gys, gyo + i)));
    }

    /** gy·f'(x) with the same float operations as the vector loops. */
    static float backward(Unary op, float x, float y, float gy) {
        return switch (op) {
            case NEG -> -gy;
            case RELU -> x > 0 ? gy : 0f;
            case GELU -> {
                float x2 = x * x, t = x * Math.fma(x2, M2CA, M2C), e = SimdMath.exp(t), s = 1f / (e + 1f), w = e * s * s;
                float d = t > 80f ? 0f : Math.fma(x * w, Math.fma(x2, DU2, DU0), s);
                yield d * gy;
            }
            case TANH -> gy * Math.fma(-y, y, 1f);
            case EXP -> gy * y;
            case LOG -> gy / x;
            case SQUARE -> (x + x) * gy;
            case SQRT -> gy / (y + y);
            case ABS -> x > 0 ? gy : x < 0 ? -gy : 0f;
        };
    }

    private static int negBackward(MemorySegment gys, long gyo, MemorySegment gs, long go, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromMemorySegment(S, gys, (gyo + i) << 2, ORDER).neg().intoMemorySegment(gs, (go + i) << 2, ORDER);
        }
        return i;
    }

    private static int reluBackward(MemorySegment xs, long xo, MemorySegment gys, long gyo, MemorySegment gs, long go, int n) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            VectorMask<Float> pos = FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromMemorySegment(S, gys, (gyo + i) << 2, ORDER), pos)
                    .intoMemorySegment(gs, (go + i) << 2, ORDER);
        }
        return i;
    }

    /** gx = gy·(1 − y²). */
    private static int tanhBackward(MemorySegment ys, long yo, MemorySegment gys, long gyo, MemorySegment gs, long go, int n) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector y = FloatVector.fromMemorySegment(S, ys, (yo + i) << 2, ORDER);
            FloatVector.fromMemorySegment(S, gys, (gyo + i) << 2, ORDER).mul(y.neg().fma(y, one))
                    .intoMemorySegment(gs, (go + i) << 2, ORDER);
        }
        return i;
    }

    /** gx = gy·y (EXP). */
    private static int mulBackward(MemorySegment ys, long yo, MemorySegment gys, long gyo, MemorySegment gs, long go, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector g = FloatVector.fromMemorySegment(S, gys, (gyo + i) << 2, ORDER);
            g.mul(FloatVector.fromMemorySegment(S, ys, (yo + i) << 2, ORDER)).intoMemorySegment(gs, (go + i) << 2, ORDER);
        }
        return i;
    }

    /** gx = gy / x (LOG). */
    private static int divBackward(MemorySegment xs, long xo, MemorySegment gys, long gyo, MemorySegment gs, long go, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector g = FloatVector.fromMemorySegment(S, gys, (gyo + i) << 2, ORDER);
            g.div(FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER)).intoMemorySegment(gs, (go + i) << 2, ORDER);
        }
        return i;
    }

    private static int squareBackward(MemorySegment xs, long xo, MemorySegment gys, long gyo, MemorySegment gs, long go, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER);
            x.add(x).mul(FloatVector.fromMemorySegment(S, gys, (gyo + i) << 2, ORDER))
                    .intoMemorySegment(gs, (go + i) << 2, ORDER);
        }
        return i;
    }

    /** gx = gy / (2y). */
    private static int sqrtBackward(MemorySegment ys, long yo, MemorySegment gys, long gyo, MemorySegment gs, long go, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector y = FloatVector.fromMemorySegment(S, ys, (yo + i) << 2, ORDER);
            FloatVector.fromMemorySegment(S, gys, (gyo + i) << 2, ORDER).div(y.add(y))
                    .intoMemorySegment(gs, (go + i) << 2, ORDER);
        }
        return i;
    }

    /** gx = gy·sign(x), 0 at 0. */
    private static int absBackward(MemorySegment xs, long xo, MemorySegment gys, long gyo, MemorySegment gs, long go, int n) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER);
            FloatVector g = FloatVector.fromMemorySegment(S, gys, (gyo + i) << 2, ORDER);
            zero.blend(g, x.compare(VectorOperators.GT, 0f)).blend(g.neg(), x.compare(VectorOperators.LT, 0f))
                    .intoMemorySegment(gs, (go + i) << 2, ORDER);
        }
        return i;
    }

    /**
     * d/dx x·σ(2u) = s + 2x·s(1−s)·u' with s = σ(2u) = 1/(1+e), e = e^(−2u), and s(1−s) = e·s²
     * (exact where 1−s would cancel). Far in the negative tail (e ≥ e^80) the derivative is below
     * 1e-33 and is set to 0, which also avoids ∞·0 there.
     */
    private static int geluBackward(MemorySegment xs, long xo, MemorySegment gys, long gyo, MemorySegment gs, long go, int n) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER);
            FloatVector x2 = x.mul(x);
            FloatVector t = x.mul(x2.fma(M2CA, M2C));
            FloatVector e = SimdUtil.exp(t);
            FloatVector s = one.div(e.add(1f));
            FloatVector w = e.mul(s).mul(s);
            FloatVector du = x2.fma(DU2, DU0);   // 2u'
            FloatVector d = x.mul(w).fma(du, s).blend(0f, t.compare(VectorOperators.GT, 80f));
            d.mul(FloatVector.fromMemorySegment(S, gys, (gyo + i) << 2, ORDER)).intoMemorySegment(gs, (go + i) << 2, ORDER);
        }
        return i;
    }

    // ---- scalar ---------------------------------------------------------------------------------

    static boolean scalar(ScalarOp op, Tensor x, double s, Tensor out) {
        if (!out.isContiguous()) return false;
        int n = out.numel();
        if (n == 0) return true;
        MemorySegment os = out.segment();
        long oo = out.offset();
        float f = (float) s;
        int kind = switch (op) {
            case ADD -> 0;
            case MUL -> 1;
            case POW -> s == 2 ? 2 : s == 1 ? 3 : s == 0 ? 4 : s == 0.5 ? 5 : s == -0.5 ? 6 : s == -1 ? 7
                    : s == 3 ? 8 : s == -2 ? 9 : 10;
        };
        if (kind == 4) {
            Parallel.range(n, 4 * GRAIN, (from, to) -> fillRange(os, oo + from, to - from, 1f));
            return true;
        }
        try (Buf xb = Buf.of(x)) {
            Parallel.range(n, kind == 10 ? GRAIN_HEAVY / 4 : GRAIN,
                    (from, to) -> scalarRange(kind, f, s, xb.seg(), xb.off() + from, os, oo + from, to - from));
        }
        return true;
    }

    private static void scalarRange(int kind, float f, double s, MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = switch (kind) {
            case 0 -> addScalar(f, xs, xo, os, oo, n);
            case 1 -> mulScalar(f, xs, xo, os, oo, n);
            case 2 -> square(xs, xo, os, oo, n);
            case 3 -> copyRange(xs, xo, os, oo, n);
            case 5 -> sqrt(xs, xo, os, oo, n);
            case 6 -> rsqrt(xs, xo, os, oo, n);
            case 7 -> reciprocal(xs, xo, os, oo, n);
            case 8 -> cube(xs, xo, os, oo, n);
            case 9 -> inverseSquare(xs, xo, os, oo, n);
            default -> 0;    // general powers: Math.pow per element below, the same on every tier (lanewise POW is not)
        };
        for (; i < n; i++) set(os, oo + i, scalar(kind, f, s, get(xs, xo + i)));
    }

    private static float scalar(int kind, float f, double s, float x) {
        return switch (kind) {
            case 0 -> x + f;
            case 1 -> x * f;
            case 2 -> x * x;
            case 3 -> x;
            case 5 -> (float) Math.sqrt(x);
            case 6 -> 1f / (float) Math.sqrt(x);
            case 7 -> 1f / x;
            case 8 -> x * x * x;
            case 9 -> 1f / (x * x);
            default -> (float) Math.pow(x, s);
        };
    }

    private static int addScalar(float f, MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER).add(f).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    private static int mulScalar(float f, MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER).mul(f).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    private static int copyRange(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    private static int rsqrt(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            one.div(FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER).sqrt())
                    .intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    private static int reciprocal(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            one.div(FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER)).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    private static int cube(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER);
            x.mul(x).mul(x).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    private static int inverseSquare(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector x = FloatVector.fromMemorySegment(S, xs, (xo + i) << 2, ORDER);
            one.div(x.mul(x)).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        return i;
    }

    // ---- binary ---------------------------------------------------------------------------------

    static boolean binary(Binary op, Tensor a, Tensor b, Tensor out) {
        if (!out.isContiguous()) return false;
        int n = out.numel();
        if (n == 0) return true;
        int[] shape = out.shape();
        Tensor ea = a.expand(shape), eb = b.expand(shape);
        Layout l = Layout.of(shape, ea.strides(), eb.strides(), out.strides());
        int sa = l.innerStride(0), sb = l.innerStride(1), len = l.inner(), rows = l.rows();
        boolean oddA = sa != 0 && sa != 1, oddB = sb != 0 && sb != 1;
        // A full-size strided operand (a transposed view): gather it once, tiled, then go dense.
        if (oddA && a.numel() == n) {
            try (Buf t = Buf.of(a)) { return binary(op, t.asTensor(a), b, out); }
        }
        if (oddB && b.numel() == n) {
            try (Buf t = Buf.of(b)) { return binary(op, a, t.asTensor(b), out); }
        }
        if (oddA && a.storage() == out.storage() || oddB && b.storage() == out.storage()) return false;
        int code = op.ordinal();
        MemorySegment as = a.segment(), bs = b.segment(), os = out.segment();
        if (rows == 1) {
            long ao = a.offset(), bo = b.offset(), oo = out.offset();
            Parallel.range(len, GRAIN, (from, to) -> row(code, as, ao + (long) from * sa, sa,
                    bs, bo + (long) from * sb, sb, os, oo + from, to - from));
            return true;
        }
        if (l.rank() == 2) {
            // [R, C] against [C], [R, 1], [1] or [R, C]: the common bias and scale shapes, no cursor
            long ao = a.offset(), bo = b.offset(), oo = out.offset();
            int ra = l.strides[0][0], rb = l.strides[1][0];
            SimdUtil.forRows(rows, len, GRAIN, (from, to) -> {
                for (int r = from; r < to; r++) {
                    row(code, as, ao + (long) r * ra, sa, bs, bo + (long) r * rb, sb, os, oo + (long) r * len, len);
                }
            });
            return true;
        }
        long[] base = {a.offset(), b.offset(), out.offset()};
        SimdUtil.forRows(rows, len, GRAIN, (from, to) -> {
            RowCursor c = new RowCursor(l, base, from);
            for (int r = from; r < to; r++) {
                row(code, as, c.off[0], sa, bs, c.off[1], sb, os, c.off[2], len);
                c.next();
            }
        });
        return true;
    }

    private static FloatVector apply(int op, FloatVector a, FloatVector b) {
        return switch (op) {
            case 0 -> a.add(b);
            case 1 -> a.sub(b);
            case 2 -> a.mul(b);
            default -> a.div(b);
        };
    }

    private static float apply(int op, float a, float b) {
        return switch (op) {
            case 0 -> a + b;
            case 1 -> a - b;
            case 2 -> a * b;
            default -> a / b;
        };
    }

    /**
     * One output row; each operand's stride along it is 1 (dense), 0 (repeated) or anything else.
     * Each pattern has its own loop method: a vector helper on a branch that was cold when its
     * method was compiled stays an out-of-line call with boxed vectors.
     */
    private static void row(int op, MemorySegment as, long ao, int sa, MemorySegment bs, long bo, int sb,
                            MemorySegment os, long oo, int n) {
        if (sa == 1 && sb == 1) rowVV(op, as, ao, bs, bo, os, oo, n);
        else if (sa == 1 && sb == 0) rowVS(op, as, ao, get(bs, bo), os, oo, n);
        else if (sa == 0 && sb == 1) rowSV(op, get(as, ao), bs, bo, os, oo, n);
        else if (sa == 0 && sb == 0) fillRange(os, oo, n, apply(op, get(as, ao), get(bs, bo)));
        else rowStrided(op, as, ao, sa, bs, bo, sb, os, oo, n);
    }

    private static void rowVV(int op, MemorySegment as, long ao, MemorySegment bs, long bo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector a = FloatVector.fromMemorySegment(S, as, (ao + i) << 2, ORDER);
            FloatVector b = FloatVector.fromMemorySegment(S, bs, (bo + i) << 2, ORDER);
            apply(op, a, b).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        for (; i < n; i++) set(os, oo + i, apply(op, get(as, ao + i), get(bs, bo + i)));
    }

    private static void rowVS(int op, MemorySegment as, long ao, float b, MemorySegment os, long oo, int n) {
        FloatVector v = FloatVector.broadcast(S, b);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            apply(op, FloatVector.fromMemorySegment(S, as, (ao + i) << 2, ORDER), v).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        for (; i < n; i++) set(os, oo + i, apply(op, get(as, ao + i), b));
    }

    private static void rowSV(int op, float a, MemorySegment bs, long bo, MemorySegment os, long oo, int n) {
        FloatVector v = FloatVector.broadcast(S, a);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            apply(op, v, FloatVector.fromMemorySegment(S, bs, (bo + i) << 2, ORDER)).intoMemorySegment(os, (oo + i) << 2, ORDER);
        }
        for (; i < n; i++) set(os, oo + i, apply(op, a, get(bs, bo + i)));
    }

    private static void rowStrided(int op, MemorySegment as, long ao, int sa, MemorySegment bs, long bo, int sb,
                                   MemorySegment os, long oo, int n) {
        for (int i = 0; i < n; i++) set(os, oo + i, apply(op, get(as, ao + (long) i * sa), get(bs, bo + (long) i * sb)));
    }

    // ---- sumTo ----------------------------------------------------------------------------------

    static boolean sumTo(Tensor x, Tensor out, boolean accumulate) {
        if (!out.isContiguous() || !x.isContiguous()) return false;
        int n = x.numel();
        MemorySegment xs = x.segment(), os = out.segment();
        long xo = x.offset(), oo = out.offset();
        if (n == 0) {
            if (!accumulate) fillRange(os, oo, out.numel(), 0f);
            return true;
        }
        int[] xsh = x.shape(), osh = out.shape();
        int[] ost = new int[xsh.length];
        int lead = xsh.length - osh.length;
        int acc = 1;
        for (int i = osh.length - 1; i >= 0; i--) {
            ost[lead + i] = osh[i] == xsh[lead + i] ? acc : 0;
            acc *= osh[i];
        }
        Layout l = Layout.of(xsh, x.strides(), ost);
        int rank = l.rank();
        boolean[] red = new boolean[rank];
        for (int d = 0; d < rank; d++) red[d] = l.strides[1][d] == 0;
        if (rank == 1 && !red[0]) {
            if (accumulate) {
                Parallel.range(n, GRAIN, (from, to) -> row(0, os, oo + from, 1, xs, xo + from, 1, os, oo + from, to - from));
            } else {
                Parallel.range(n, 8 * GRAIN, (from, to) ->
                        MemorySegment.copy(xs, (xo + from) << 2, os, (oo + from) << 2, (long) (to - from) << 2));
            }
        } else if (rank == 1) {
            double total = totalSum(xs, xo, n);
            set(os, oo, (float) (accumulate ? get(os, oo) + total : total));
        } else if (rank == 2 && !red[0] && red[1]) {
            int k = l.shape[0], r = l.shape[1];
            SimdUtil.forRows(k, r, GRAIN, (from, to) -> {
                for (int i = from; i < to; i++) {
                    double sum = sumRange(xs, xo + (long) i * r, r);
                    set(os, oo + i, (float) (accumulate ? get(os, oo + i) + sum : sum));
                }
            });
        } else if (rank == 2 && red[0] && !red[1]) {
            columnSums(xs, xo, 1, l.shape[0], l.shape[1], os, oo, accumulate);
        } else if (rank == 3 && !red[0] && red[1] && !red[2]) {
            columnSums(xs, xo, l.shape[0], l.shape[1], l.shape[2], os, oo, accumulate);
        } else {
            return false;
        }
        return true;
    }

    /**
     * Sum of n dense floats as a cascade: 4 vector accumulators over 32-vector pieces, pieces
     * added into a second vector, blocks of 4096 added in double. Error stays near a few ulps of
     * the block sums at the cost of one extra vector add per 256 elements.
     */
    static double sumRange(MemorySegment s, long off, int n) {
        double total = 0;
        for (int b0 = 0; b0 < n; b0 += 4096) {
            int m = Math.min(4096, n - b0), i = 0;
            long o = off + b0;
            FloatVector block = FloatVector.zero(S);
            for (int ub = m - 32 * L; i <= ub; ) {
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
                for (int end = i + 32 * L; i < end; i += 4 * L) {
                    s0 = s0.add(FloatVector.fromMemorySegment(S, s, (o + i) << 2, ORDER));
                    s1 = s1.add(FloatVector.fromMemorySegment(S, s, (o + i + L) << 2, ORDER));
                    s2 = s2.add(FloatVector.fromMemorySegment(S, s, (o + i + 2 * L) << 2, ORDER));
                    s3 = s3.add(FloatVector.fromMemorySegment(S, s, (o + i + 3 * L) << 2, ORDER));
                }
                block = block.add(s0.add(s1).add(s2.add(s3)));
            }
            FloatVector rest = FloatVector.zero(S);
            for (int ub = S.loopBound(m); i < ub; i += L) {
                rest = rest.add(FloatVector.fromMemorySegment(S, s, (o + i) << 2, ORDER));
            }
            float t = SimdUtil.sum(block.add(rest));
            for (; i < m; i++) t += get(s, o + i);
            total += t;
        }
        return total;
    }

    private static final int SUM_BLOCK = 1 << 16;

    /** Fixed blocks summed in parallel, then added in block order: the bits do not depend on the thread count. */
    private static double totalSum(MemorySegment s, long off, int n) {
        int blocks = (n + SUM_BLOCK - 1) / SUM_BLOCK;
        double[] part = new double[blocks];
        Parallel.range(blocks, 1, (from, to) -> {
            for (int b = from; b < to; b++) {
                int a = b * SUM_BLOCK;
                part[b] = sumRange(s, off + a, Math.min(SUM_BLOCK, n - a));
            }
        });
        double t = 0;
        for (double p : part) t += p;
        return t;
    }

    /**
     * out[g, c] (+)= Σ_r x[g, r, c] for x dense [G, R, C]. Rows are cut into blocks whose size
     * depends only on R; blocks are summed in parallel (rows in order, in float) and then added in
     * block order, so the result does not depend on the thread count.
     */
    private static void columnSums(MemorySegment xs, long xo, int groups, int rows, int cols,
                                   MemorySegment os, long oo, boolean accumulate) {
        int blockRows = Math.min(1024, Math.max(128, (rows + 63) / 64));
        int blocks = (rows + blockRows - 1) / blockRows;
        float[][] partial = new float[groups * blocks][];
        long taskWork = (long) Math.min(blockRows, rows) * cols;
        Parallel.range(groups * blocks, (int) Math.max(1, GRAIN / taskWork), (from, to) -> {
            for (int task = from; task < to; task++) {
                int g = task / blocks, b = task % blocks;
                int r0 = b * blockRows, r1 = Math.min(rows, r0 + blockRows);
                float[] acc = new float[cols];
                long base = xo + (long) g * rows * cols;
                for (int r = r0; r < r1; r++) addRow(acc, xs, base + (long) r * cols, cols);
                partial[task] = acc;
            }
        });
        for (int g = 0; g < groups; g++) {
            float[] sum = partial[g * blocks];
            for (int b = 1; b < blocks; b++) addArray(sum, partial[g * blocks + b], cols);
            long o = oo + (long) g * cols;
            int i = 0;
            if (accumulate) {
                for (int ub = S.loopBound(cols); i < ub; i += L) {
                    FloatVector.fromMemorySegment(S, os, (o + i) << 2, ORDER).add(FloatVector.fromArray(S, sum, i))
                            .intoMemorySegment(os, (o + i) << 2, ORDER);
                }
                for (; i < cols; i++) set(os, o + i, get(os, o + i) + sum[i]);
            } else {
                for (int ub = S.loopBound(cols); i < ub; i += L) {
                    FloatVector.fromArray(S, sum, i).intoMemorySegment(os, (o + i) << 2, ORDER);
                }
                for (; i < cols; i++) set(os, o + i, sum[i]);
            }
        }
    }

    private static void addRow(float[] acc, MemorySegment xs, long o, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromArray(S, acc, i).add(FloatVector.fromMemorySegment(S, xs, (o + i) << 2, ORDER)).intoArray(acc, i);
        }
        for (; i < n; i++) acc[i] += get(xs, o + i);
    }

    private static void addArray(float[] acc, float[] x, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector.fromArray(S, acc, i).add(FloatVector.fromArray(S, x, i)).intoArray(acc, i);
        }
        for (; i < n; i++) acc[i] += x[i];
    }
}
