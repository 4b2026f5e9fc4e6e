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
import static dev.groklab.backend.cpu.SimdUtil.S;
import static dev.groklab.backend.cpu.SimdUtil.exp;
import static dev.groklab.backend.cpu.SimdUtil.get;
import static dev.groklab.backend.cpu.SimdUtil.load;
import static dev.groklab.backend.cpu.SimdUtil.set;
import static dev.groklab.backend.cpu.SimdUtil.splat;
import static dev.groklab.backend.cpu.SimdUtil.store;

/**
 * float32 elementwise kernels (Vector API). Each returns false where it leaves the work to the
 * reference: only for outputs that are not dense, sums that are not a leading-rows or last-axis
 * reduction, and strided inputs that alias the output.
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
        FloatVector vv = splat(v);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) store(vv, s, off + i);
        for (; i < n; i++) set(s, off + i, v);
    }

    static boolean copy(Tensor src, Tensor dst) {
        if (!dst.isContiguous()) return false;
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
            for (int ub = S.loopBound(len); i < ub; i += L) store(load(ss, so + i), ds, o + i);
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
        for (; i < n; i++) set(os, oo + i, (float) ReferenceBackend.unary(op, get(xs, xo + i)));
    }

    private static int neg(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) store(load(xs, xo + i).neg(), os, oo + i);
        return i;
    }

    private static int relu(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        FloatVector zero = FloatVector.zero(S);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector x = load(xs, xo + i);
            store(zero.blend(x, x.compare(VectorOperators.GT, 0f)), os, oo + i);
        }
        return i;
    }

    // GELU (tanh form) as x·σ(2u): 0.5·(1 + tanh u) = σ(2u) = 1 / (1 + e^(−2u)), one exp, no tanh.
    static final float GELU_C = (float) Math.sqrt(2 / Math.PI);
    static final float GELU_A = 0.044715f;
    private static final float M2C = -2 * GELU_C, M2CA = -2 * GELU_C * GELU_A;

    /** e^(−2u) with u = c·(x + a·x³). */
    static FloatVector geluExp(FloatVector x) {
        return exp(x.mul(x.mul(x).fma(M2CA, M2C)));
    }

    private static int gelu(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector x = load(xs, xo + i);
            store(x.div(geluExp(x).add(1f)), os, oo + i);
        }
        return i;
    }

    private static int tanh(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) store(load(xs, xo + i).lanewise(VectorOperators.TANH), os, oo + i);
        return i;
    }

    private static int expv(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) store(exp(load(xs, xo + i)), os, oo + i);
        return i;
    }

    private static int log(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) store(load(xs, xo + i).lanewise(VectorOperators.LOG), os, oo + i);
        return i;
    }

    private static int square(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector x = load(xs, xo + i);
            store(x.mul(x), os, oo + i);
        }
        return i;
    }

    private static int sqrt(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) store(load(xs, xo + i).sqrt(), os, oo + i);
        return i;
    }

    private static int abs(MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) store(load(xs, xo + i).abs(), os, oo + i);
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
        int i = 0, ub = S.loopBound(n);
        switch (op) {
            case NEG -> { for (; i < ub; i += L) store(load(gys, gyo + i).neg(), gs, go + i); }
            case RELU -> {
                FloatVector zero = FloatVector.zero(S);
                for (; i < ub; i += L) {
                    VectorMask<Float> pos = load(xs, xo + i).compare(VectorOperators.GT, 0f);
                    store(zero.blend(load(gys, gyo + i), pos), gs, go + i);
                }
            }
            case GELU -> i = geluBackward(xs, xo, gys, gyo, gs, go, n);
            case TANH -> {
                FloatVector one = splat(1f);
                for (; i < ub; i += L) {
                    FloatVector y = load(ys, yo + i);
                    store(load(gys, gyo + i).mul(y.neg().fma(y, one)), gs, go + i);
                }
            }
            case EXP -> { for (; i < ub; i += L) store(load(gys, gyo + i).mul(load(ys, yo + i)), gs, go + i); }
            case LOG -> { for (; i < ub; i += L) store(load(gys, gyo + i).div(load(xs, xo + i)), gs, go + i); }
            case SQUARE -> {
                for (; i < ub; i += L) {
                    FloatVector x = load(xs, xo + i);
                    store(x.add(x).mul(load(gys, gyo + i)), gs, go + i);
                }
            }
            case SQRT -> {
                for (; i < ub; i += L) {
                    FloatVector y = load(ys, yo + i);
                    store(load(gys, gyo + i).div(y.add(y)), gs, go + i);
                }
            }
            case ABS -> {
                FloatVector zero = FloatVector.zero(S);
                for (; i < ub; i += L) {
                    FloatVector x = load(xs, xo + i), g = load(gys, gyo + i);
                    store(zero.blend(g, x.compare(VectorOperators.GT, 0f)).blend(g.neg(), x.compare(VectorOperators.LT, 0f)), gs, go + i);
                }
            }
        }
        for (; i < n; i++) {
            set(gs, go + i, (float) (get(gys, gyo + i) * ReferenceBackend.derivative(op, get(xs, xo + i), get(ys, yo + i))));
        }
    }

    /**
     * d/dx x·σ(2u) = s + 2x·s(1−s)·u' with s = σ(2u) = 1/(1+e), e = e^(−2u), and s(1−s) = e·s²
     * (exact where 1−s would cancel). Far in the negative tail (e ≥ e^80) the derivative is below
     * 1e-33 and is set to 0, which also avoids ∞·0 there.
     */
    private static int geluBackward(MemorySegment xs, long xo, MemorySegment gys, long gyo, MemorySegment gs, long go, int n) {
        FloatVector one = splat(1f);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) {
            FloatVector x = load(xs, xo + i);
            FloatVector x2 = x.mul(x);
            FloatVector t = x.mul(x2.fma(M2CA, M2C));
            FloatVector e = exp(t);
            FloatVector s = one.div(e.add(1f));
            FloatVector w = e.mul(s).mul(s);
            FloatVector du = x2.fma(2 * GELU_C * 3 * GELU_A, 2 * GELU_C);   // 2u'
            FloatVector d = x.mul(w).fma(du, s).blend(0f, t.compare(VectorOperators.GT, 80f));
            store(d.mul(load(gys, gyo + i)), gs, go + i);
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
            Parallel.range(n, kind == 10 ? GRAIN_HEAVY / 8 : GRAIN,
                    (from, to) -> scalarRange(kind, f, s, xb.seg(), xb.off() + from, os, oo + from, to - from));
        }
        return true;
    }

    private static void scalarRange(int kind, float f, double s, MemorySegment xs, long xo, MemorySegment os, long oo, int n) {
        int i = 0, ub = S.loopBound(n);
        FloatVector one = splat(1f);
        switch (kind) {
            case 0 -> { for (; i < ub; i += L) store(load(xs, xo + i).add(f), os, oo + i); }
            case 1 -> { for (; i < ub; i += L) store(load(xs, xo + i).mul(f), os, oo + i); }
            case 2 -> { for (; i < ub; i += L) { FloatVector x = load(xs, xo + i); store(x.mul(x), os, oo + i); } }
            case 3 -> { for (; i < ub; i += L) store(load(xs, xo + i), os, oo + i); }
            case 5 -> { for (; i < ub; i += L) store(load(xs, xo + i).sqrt(), os, oo + i); }
            case 6 -> { for (; i < ub; i += L) store(one.div(load(xs, xo + i).sqrt()), os, oo + i); }
            case 7 -> { for (; i < ub; i += L) store(one.div(load(xs, xo + i)), os, oo + i); }
            case 8 -> { for (; i < ub; i += L) { FloatVector x = load(xs, xo + i); store(x.mul(x).mul(x), os, oo + i); } }
            case 9 -> { for (; i < ub; i += L) { FloatVector x = load(xs, xo + i); store(one.div(x.mul(x)), os, oo + i); } }
            default -> { for (; i < ub; i += L) store(load(xs, xo + i).lanewise(VectorOperators.POW, f), os, oo + i); }
        }
        ScalarOp op = kind == 0 ? ScalarOp.ADD : kind == 1 ? ScalarOp.MUL : ScalarOp.POW;
        for (; i < n; i++) set(os, oo + i, (float) ReferenceBackend.scalar(op, get(xs, xo + i), s));
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

    /** One output row; each operand's stride along it is 1 (dense), 0 (repeated) or anything else. */
    private static void row(int op, MemorySegment as, long ao, int sa, MemorySegment bs, long bo, int sb,
                            MemorySegment os, long oo, int n) {
        int i = 0, ub = S.loopBound(n);
        if (sa == 1 && sb == 1) {
            for (; i < ub; i += L) store(apply(op, load(as, ao + i), load(bs, bo + i)), os, oo + i);
            for (; i < n; i++) set(os, oo + i, apply(op, get(as, ao + i), get(bs, bo + i)));
        } else if (sa == 1 && sb == 0) {
            float bv = get(bs, bo);
            FloatVector v = splat(bv);
            for (; i < ub; i += L) store(apply(op, load(as, ao + i), v), os, oo + i);
            for (; i < n; i++) set(os, oo + i, apply(op, get(as, ao + i), bv));
        } else if (sa == 0 && sb == 1) {
            float av = get(as, ao);
            FloatVector v = splat(av);
            for (; i < ub; i += L) store(apply(op, v, load(bs, bo + i)), os, oo + i);
            for (; i < n; i++) set(os, oo + i, apply(op, av, get(bs, bo + i)));
        } else if (sa == 0 && sb == 0) {
            fillRange(os, oo, n, apply(op, get(as, ao), get(bs, bo)));
        } else {
            for (; i < n; i++) set(os, oo + i, apply(op, get(as, ao + (long) i * sa), get(bs, bo + (long) i * sb)));
        }
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

    /** Sum of n dense floats: float lanes within blocks, blocks added in double. */
    static double sumRange(MemorySegment s, long off, int n) {
        double total = 0;
        for (int b0 = 0; b0 < n; b0 += 4096) {
            int m = Math.min(4096, n - b0), i = 0;
            long o = off + b0;
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int ub = m - 4 * L; i <= ub; i += 4 * L) {
                s0 = s0.add(load(s, o + i));
                s1 = s1.add(load(s, o + i + L));
                s2 = s2.add(load(s, o + i + 2 * L));
                s3 = s3.add(load(s, o + i + 3 * L));
            }
            for (int ub = S.loopBound(m); i < ub; i += L) s0 = s0.add(load(s, o + i));
            float t = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
            for (; i < m; i++) t += get(s, o + i);
            total += t;
        }
        return total;
    }

    private static double totalSum(MemorySegment s, long off, int n) {
        int chunks = Math.max(1, Math.min(Parallel.threads(), n / (4 * GRAIN)));
        double[] part = new double[chunks];
        Parallel.range(chunks, 1, (from, to) -> {
            for (int c = from; c < to; c++) {
                int a = (int) ((long) n * c / chunks), b = (int) ((long) n * (c + 1) / chunks);
                part[c] = sumRange(s, off + a, b - a);
            }
        });
        double t = 0;
        for (double p : part) t += p;
        return t;
    }

    private static final int BLOCK_ROWS = 128;

    /**
     * out[g, c] (+)= Σ_r x[g, r, c] for x dense [G, R, C]. Splits the rows across threads when there
     * are fewer groups than threads; each task sums blocks of rows in float and adds the blocks.
     */
    private static void columnSums(MemorySegment xs, long xo, int groups, int rows, int cols,
                                   MemorySegment os, long oo, boolean accumulate) {
        long work = (long) groups * rows * cols;
        int parts = groups >= Parallel.threads() || work < 4L * GRAIN ? 1 : Parallel.threads();
        int p = Math.max(1, Math.min(parts, rows));
        float[][] partial = new float[groups * p][];
        long taskWork = Math.max(1, work / ((long) groups * p));
        int grain = (int) Math.max(1, Math.min(groups * p, 2L * GRAIN / taskWork));
        Parallel.range(groups * p, grain, (from, to) -> {
            float[] blk = new float[cols];
            for (int task = from; task < to; task++) {
                int g = task / p, q = task % p;
                int r0 = (int) ((long) rows * q / p), r1 = (int) ((long) rows * (q + 1) / p);
                float[] acc = new float[cols];
                long base = xo + (long) g * rows * cols;
                for (int b0 = r0; b0 < r1; b0 += BLOCK_ROWS) {
                    java.util.Arrays.fill(blk, 0f);
                    int b1 = Math.min(r1, b0 + BLOCK_ROWS);
                    for (int r = b0; r < b1; r++) addRow(blk, xs, base + (long) r * cols, cols);
                    addArray(acc, blk, cols);
                }
                partial[task] = acc;
            }
        });
        for (int g = 0; g < groups; g++) {
            float[] sum = partial[g * p];
            for (int q = 1; q < p; q++) addArray(sum, partial[g * p + q], cols);
            long o = oo + (long) g * cols;
            int i = 0;
            if (accumulate) {
                for (int ub = S.loopBound(cols); i < ub; i += L) store(load(os, o + i).add(FloatVector.fromArray(S, sum, i)), os, o + i);
                for (; i < cols; i++) set(os, o + i, get(os, o + i) + sum[i]);
            } else {
                for (int ub = S.loopBound(cols); i < ub; i += L) store(FloatVector.fromArray(S, sum, i), os, o + i);
                for (; i < cols; i++) set(os, o + i, sum[i]);
            }
        }
    }

    private static void addRow(float[] acc, MemorySegment xs, long o, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) FloatVector.fromArray(S, acc, i).add(load(xs, o + i)).intoArray(acc, i);
        for (; i < n; i++) acc[i] += get(xs, o + i);
    }

    private static void addArray(float[] acc, float[] x, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += L) FloatVector.fromArray(S, acc, i).add(FloatVector.fromArray(S, x, i)).intoArray(acc, i);
        for (; i < n; i++) acc[i] += x[i];
    }
}
