package dev.groklab.backend.cpu;

import dev.groklab.backend.AdamStep;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Binary;
import dev.groklab.backend.LastQueryAttention;
import dev.groklab.backend.MatmulPlan;
import dev.groklab.backend.ScalarOp;
import dev.groklab.backend.SgdStep;
import dev.groklab.backend.Unary;
import dev.groklab.rng.Philox;
import dev.groklab.tensor.CpuStorage;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Device;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Shapes;
import dev.groklab.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The scalar reference for every kernel: plain loops over logical indices, computing in double
 * and storing in the tensor's type. Slow and obviously correct; every fast kernel on every
 * backend is tested against it, and float64 gradient checks run on it.
 */
public class ReferenceBackend implements Backend {
    protected final CpuAllocator allocator;

    public ReferenceBackend(CpuAllocator allocator) { this.allocator = allocator; }

    public ReferenceBackend() { this(new CpuAllocator()); }

    public CpuAllocator allocator() { return allocator; }

    @Override public Device device() { return Device.CPU; }

    @Override public String toString() { return "reference"; }

    // ---- memory --------------------------------------------------------------------------------

    @Override public Tensor empty(DType dtype, int... shape) {
        Shapes.checkPositive("empty", shape);
        CpuStorage s = Scope.track(allocator.allocate(Shapes.numel(shape) * dtype.bytes()));
        return Tensor.dense(s, dtype, shape);
    }

    @Override public Tensor fromHost(float[] data, int... shape) {
        checkLength("fromHost", data.length, shape);
        Tensor t = empty(DType.F32, shape);
        MemorySegment.copy(data, 0, t.segment(), ValueLayout.JAVA_FLOAT, 0, data.length);
        return t;
    }

    @Override public Tensor fromHost(double[] data, int... shape) {
        checkLength("fromHost", data.length, shape);
        Tensor t = empty(DType.F64, shape);
        MemorySegment.copy(data, 0, t.segment(), ValueLayout.JAVA_DOUBLE, 0, data.length);
        return t;
    }

    @Override public Tensor fromHost(int[] data, int... shape) {
        checkLength("fromHost", data.length, shape);
        Tensor t = empty(DType.I32, shape);
        MemorySegment.copy(data, 0, t.segment(), ValueLayout.JAVA_INT, 0, data.length);
        return t;
    }

    private static void checkLength(String op, int length, int[] shape) {
        if (Shapes.numel(shape) != length) {
            throw new IllegalArgumentException(op + ": " + length + " values for shape " + Shapes.str(shape));
        }
    }

    @Override public Tensor toHost(Tensor t) {
        Tensor out = empty(t.dtype(), t.shape());
        copy(t, out);
        return out;
    }

    @Override public void fill(Tensor out, double value) {
        live("fill", out);
        for (int i = 0, n = out.numel(); i < n; i++) out.setDouble(i, value);
    }

    @Override public void copy(Tensor src, Tensor dst) {
        live("copy", src, dst);
        sameShape("copy", src, dst);
        for (int i = 0, n = src.numel(); i < n; i++) dst.setDouble(i, src.getDouble(i));
    }

    // ---- elementwise ---------------------------------------------------------------------------

    static final double GELU_C = Math.sqrt(2 / Math.PI);

    public static double unary(Unary op, double x) {
        return switch (op) {
            case NEG -> -x;
            case RELU -> x > 0 ? x : 0;
            // 0.5·(1 + tanh u) written as σ(2u): tanh rounds to −1 long before σ underflows
            case GELU -> x / (1 + Math.exp(-2 * GELU_C * (x + 0.044715 * x * x * x)));
            case TANH -> Math.tanh(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQUARE -> x * x;
            case SQRT -> Math.sqrt(x);
            case ABS -> Math.abs(x);
        };
    }

    /** f'(x) given x and y = f(x). */
    public static double derivative(Unary op, double x, double y) {
        return switch (op) {
            case NEG -> -1;
            case RELU -> x > 0 ? 1 : 0;
            case GELU -> {
                // d/dx x·σ(v) = σ(v) + x·σ(v)·σ(−v)·v', v = 2u; both σ computed directly, no 1 − σ cancellation
                double v = 2 * GELU_C * (x + 0.044715 * x * x * x);
                double s = 1 / (1 + Math.exp(-v)), sm = 1 / (1 + Math.exp(v));
                yield s + x * s * sm * 2 * GELU_C * (1 + 3 * 0.044715 * x * x);
            }
            case TANH -> 1 - y * y;
            case EXP -> y;
            case LOG -> 1 / x;
            case SQUARE -> 2 * x;
            case SQRT -> 0.5 / y;
            case ABS -> Math.signum(x);
        };
    }

    @Override public void unary(Unary op, Tensor x, Tensor out) {
        live("unary " + op, x, out);
        sameShape("unary " + op, x, out);
        for (int i = 0, n = x.numel(); i < n; i++) out.setDouble(i, unary(op, x.getDouble(i)));
    }

    @Override public void unaryBackward(Unary op, Tensor x, Tensor y, Tensor gy, Tensor gx) {
        live("unaryBackward " + op, x, y, gy, gx);
        sameShape("unaryBackward " + op, x, gx);
        sameShape("unaryBackward " + op, gy, gx);
        for (int i = 0, n = x.numel(); i < n; i++) {
            gx.setDouble(i, gy.getDouble(i) * derivative(op, x.getDouble(i), y.getDouble(i)));
        }
    }

    public static double scalar(ScalarOp op, double x, double s) {
        return switch (op) {
            case ADD -> x + s;
            case MUL -> x * s;
            case POW -> Math.pow(x, s);
        };
    }

    @Override public void scalar(ScalarOp op, Tensor x, double s, Tensor out) {
        live("scalar " + op, x, out);
        sameShape("scalar " + op, x, out);
        for (int i = 0, n = x.numel(); i < n; i++) out.setDouble(i, scalar(op, x.getDouble(i), s));
    }

    public static double binary(Binary op, double a, double b) {
        return switch (op) {
            case ADD -> a + b;
            case SUB -> a - b;
            case MUL -> a * b;
            case DIV -> a / b;
        };
    }

    @Override public void binary(Binary op, Tensor a, Tensor b, Tensor out) {
        live("binary " + op, a, b, out);
        int[] shape = broadcastShape("binary " + op, a, b, out);
        Tensor ea = a.expand(shape), eb = b.expand(shape);
        for (int i = 0, n = out.numel(); i < n; i++) out.setDouble(i, binary(op, ea.getDouble(i), eb.getDouble(i)));
    }

    protected static int[] broadcastShape(String op, Tensor a, Tensor b, Tensor out) {
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        if (shape == null) {
            throw new IllegalArgumentException(op + ": shapes " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()) + " do not broadcast");
        }
        if (!Arrays.equals(shape, out.shape())) {
            throw new IllegalArgumentException(op + ": output " + Shapes.str(out.shape()) + " should be " + Shapes.str(shape));
        }
        return shape;
    }

    @Override public void sumTo(Tensor x, Tensor out, boolean accumulate) {
        live("sumTo", x, out);
        checkSumTo(x, out);
        double[] acc = new double[out.numel()];
        if (accumulate) for (int i = 0; i < acc.length; i++) acc[i] = out.getDouble(i);
        Tensor dense = Tensor.dense(out.storage(), out.dtype(), out.shape());
        Tensor eo = dense.expand(x.shape());
        for (int i = 0, n = x.numel(); i < n; i++) acc[(int) eo.elementIndex(i)] += x.getDouble(i);
        for (int i = 0; i < acc.length; i++) out.setDouble(i, acc[i]);
    }

    protected static void checkSumTo(Tensor x, Tensor out) {
        int[] b = Shapes.broadcast(x.shape(), out.shape());
        if (b == null || !Arrays.equals(b, x.shape()) || !out.isContiguous() || out.offset() != 0 && false) {
            throw new IllegalArgumentException("sumTo: cannot sum " + Shapes.str(x.shape()) + " down to " + Shapes.str(out.shape()));
        }
        if (!out.isContiguous()) throw new IllegalArgumentException("sumTo: output must be dense");
    }

    // ---- matmul --------------------------------------------------------------------------------

    @Override public void matmul(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        live("matmul", a, b, out);
        MatmulPlan p = MatmulPlan.of(a, b, out);
        MemorySegment as = a.segment(), bs = b.segment(), os = out.segment();
        if (p.reduceBatch() && !accumulate) fillDense(out, 0);
        for (int bt = 0; bt < p.batch(); bt++) {
            for (int i = 0; i < p.n(); i++) {
                for (int j = 0; j < p.m(); j++) {
                    double s = 0;
                    for (int q = 0; q < p.k(); q++) {
                        s += read(as, a.dtype(), p.aOffset()[bt] + (long) i * p.aRowStride() + (long) q * p.aColStride())
                           * read(bs, b.dtype(), p.bOffset()[bt] + (long) q * p.bRowStride() + (long) j * p.bColStride());
                    }
                    long o = p.outOffset()[bt] + (long) i * p.m() + j;
                    if (accumulate || p.reduceBatch()) s += read(os, out.dtype(), o);
                    write(os, out.dtype(), o, s);
                }
            }
        }
    }

    private static void fillDense(Tensor t, double v) {
        for (int i = 0, n = t.numel(); i < n; i++) t.setDouble(i, v);
    }

    protected static double read(MemorySegment s, DType t, long e) {
        return switch (t) {
            case F32 -> s.getAtIndex(ValueLayout.JAVA_FLOAT, e);
            case F64 -> s.getAtIndex(ValueLayout.JAVA_DOUBLE, e);
            case I32 -> s.getAtIndex(ValueLayout.JAVA_INT, e);
        };
    }

    protected static void write(MemorySegment s, DType t, long e, double v) {
        switch (t) {
            case F32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT, e, (float) v);
            case F64 -> s.setAtIndex(ValueLayout.JAVA_DOUBLE, e, v);
            case I32 -> s.setAtIndex(ValueLayout.JAVA_INT, e, (int) v);
        }
    }

    // ---- rows ----------------------------------------------------------------------------------

    @Override public void softmax(Tensor x, Tensor out) {
        live("softmax", x, out);
        sameShape("softmax", x, out);
        int c = x.dim(-1), rows = x.numel() / Math.max(c, 1);
        for (int r = 0; r < rows; r++) {
            long base = (long) r * c;
            double mx = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) mx = Math.max(mx, x.getDouble(base + j));
            double s = 0;
            for (int j = 0; j < c; j++) s += Math.exp(x.getDouble(base + j) - mx);
            for (int j = 0; j < c; j++) out.setDouble(base + j, Math.exp(x.getDouble(base + j) - mx) / s);
        }
    }

    @Override public void logSoftmax(Tensor x, Tensor out) {
        live("logSoftmax", x, out);
        sameShape("logSoftmax", x, out);
        int c = x.dim(-1), rows = x.numel() / Math.max(c, 1);
        for (int r = 0; r < rows; r++) {
            long base = (long) r * c;
            double lse = logSumExp(x, base, c);
            for (int j = 0; j < c; j++) out.setDouble(base + j, x.getDouble(base + j) - lse);
        }
    }

    private static double logSumExp(Tensor x, long base, int c) {
        double mx = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < c; j++) mx = Math.max(mx, x.getDouble(base + j));
        double s = 0;
        for (int j = 0; j < c; j++) s += Math.exp(x.getDouble(base + j) - mx);
        return mx + Math.log(s);
    }

    @Override public void softmaxBackward(Tensor y, Tensor gy, Tensor gx) {
        live("softmaxBackward", y, gy, gx);
        sameShape("softmaxBackward", y, gx);
        sameShape("softmaxBackward", gy, gx);
        int c = y.dim(-1), rows = y.numel() / Math.max(c, 1);
        for (int r = 0; r < rows; r++) {
            long base = (long) r * c;
            double dot = 0;
            for (int j = 0; j < c; j++) dot += gy.getDouble(base + j) * y.getDouble(base + j);
            for (int j = 0; j < c; j++) gx.setDouble(base + j, y.getDouble(base + j) * (gy.getDouble(base + j) - dot));
        }
    }

    @Override public void logSoftmaxBackward(Tensor y, Tensor gy, Tensor gx) {
        live("logSoftmaxBackward", y, gy, gx);
        sameShape("logSoftmaxBackward", y, gx);
        sameShape("logSoftmaxBackward", gy, gx);
        int c = y.dim(-1), rows = y.numel() / Math.max(c, 1);
        for (int r = 0; r < rows; r++) {
            long base = (long) r * c;
            double s = 0;
            for (int j = 0; j < c; j++) s += gy.getDouble(base + j);
            for (int j = 0; j < c; j++) gx.setDouble(base + j, gy.getDouble(base + j) - Math.exp(y.getDouble(base + j)) * s);
        }
    }

    /** Shared by every backend so all reject the same inputs with the same message. */
    public static void checkCrossEntropy(Tensor logits, Tensor targets, Tensor loss, Tensor lse) {
        if (logits.rank() != 2 || targets.rank() != 1 || targets.dtype() != DType.I32) {
            throw new IllegalArgumentException("crossEntropy: want logits [R, C] and I32 targets [T], got "
                    + Shapes.str(logits.shape()) + " and " + targets.dtype() + Shapes.str(targets.shape()));
        }
        int rows = logits.dim(0);
        if (targets.dim(0) == 0 || rows % targets.dim(0) != 0) {
            throw new IllegalArgumentException("crossEntropy: " + targets.dim(0) + " targets do not divide " + rows + " rows");
        }
        if (loss.numel() != rows || lse.numel() != rows) {
            throw new IllegalArgumentException("crossEntropy: loss " + Shapes.str(loss.shape()) + " and lse "
                    + Shapes.str(lse.shape()) + " need " + rows + " elements");
        }
    }

    protected static int target(Tensor targets, int row, int classes) {
        int t = (int) targets.getDouble(row % targets.dim(0));
        if (t < 0 || t >= classes) throw new IllegalArgumentException("crossEntropy: target " + t + " outside [0, " + classes + ")");
        return t;
    }

    @Override public void crossEntropy(Tensor logits, Tensor targets, Tensor loss, Tensor lse) {
        live("crossEntropy", logits, targets, loss, lse);
        checkCrossEntropy(logits, targets, loss, lse);
        int rows = logits.dim(0), c = logits.dim(1);
        for (int r = 0; r < rows; r++) {
            long base = (long) r * c;
            double l = logSumExp(logits, base, c);
            lse.setDouble(r, l);
            loss.setDouble(r, l - logits.getDouble(base + target(targets, r, c)));
        }
    }

    @Override public void crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, Tensor gLoss, Tensor gLogits) {
        live("crossEntropyBackward", logits, targets, lse, gLoss, gLogits);
        checkCrossEntropy(logits, targets, gLoss, lse);
        sameShape("crossEntropyBackward", logits, gLogits);
        int rows = logits.dim(0), c = logits.dim(1);
        for (int r = 0; r < rows; r++) {
            long base = (long) r * c;
            double g = gLoss.getDouble(r), l = lse.getDouble(r);
            int t = target(targets, r, c);
            for (int j = 0; j < c; j++) {
                double p = Math.exp(logits.getDouble(base + j) - l);
                gLogits.setDouble(base + j, g * (p - (j == t ? 1 : 0)));
            }
        }
    }

    protected static int groups(String op, Tensor x, Tensor param) {
        int c = x.dim(-1), rows = x.numel() / Math.max(c, 1);
        int g = param.rank() == 1 ? 1 : param.dim(0);
        if (param.dim(-1) != c || param.numel() != g * c || rows % g != 0) {
            throw new IllegalArgumentException(op + ": parameter " + Shapes.str(param.shape()) + " does not fit input "
                    + Shapes.str(x.shape()) + " (want [C] or [G, C] with G dividing the rows)");
        }
        return g;
    }

    @Override public void layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor out, Tensor mean, Tensor rstd) {
        live("layerNorm", x, gamma, beta, out, mean, rstd);
        sameShape("layerNorm", x, out);
        int g = groups("layerNorm", x, gamma);
        groups("layerNorm", x, beta);
        int c = x.dim(-1), rows = x.numel() / c, per = rows / g;
        for (int r = 0; r < rows; r++) {
            long base = (long) r * c, pb = (long) (r / per) * c;
            double mu = 0;
            for (int j = 0; j < c; j++) mu += x.getDouble(base + j);
            mu /= c;
            double var = 0;
            for (int j = 0; j < c; j++) { double d = x.getDouble(base + j) - mu; var += d * d; }
            var /= c;
            double rs = 1 / Math.sqrt(var + eps);
            mean.setDouble(r, mu);
            rstd.setDouble(r, rs);
            for (int j = 0; j < c; j++) {
                out.setDouble(base + j, (x.getDouble(base + j) - mu) * rs * gamma.getDouble(pb + j) + beta.getDouble(pb + j));
            }
        }
    }

    @Override public void layerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy,
                                            Tensor gx, Tensor gGamma, Tensor gBeta) {
        live("layerNormBackward", x, gamma, mean, rstd, gy, gx, gGamma, gBeta);
        sameShape("layerNormBackward", x, gx);
        int g = groups("layerNormBackward", x, gamma);
        int c = x.dim(-1), rows = x.numel() / c, per = rows / g;
        for (int r = 0; r < rows; r++) {
            long base = (long) r * c, pb = (long) (r / per) * c;
            double mu = mean.getDouble(r), rs = rstd.getDouble(r);
            double sumD = 0, sumDX = 0;
            for (int j = 0; j < c; j++) {
                double xh = (x.getDouble(base + j) - mu) * rs;
                double d = gy.getDouble(base + j) * gamma.getDouble(pb + j);
                sumD += d;
                sumDX += d * xh;
                gGamma.setDouble(pb + j, gGamma.getDouble(pb + j) + gy.getDouble(base + j) * xh);
                gBeta.setDouble(pb + j, gBeta.getDouble(pb + j) + gy.getDouble(base + j));
            }
            for (int j = 0; j < c; j++) {
                double xh = (x.getDouble(base + j) - mu) * rs;
                double d = gy.getDouble(base + j) * gamma.getDouble(pb + j);
                gx.setDouble(base + j, rs * (d - sumD / c - xh * sumDX / c));
            }
        }
    }

    // ---- attention -----------------------------------------------------------------------------

    protected static void checkAttention(Tensor q, Tensor k, Tensor v, Tensor out) {
        if (q.rank() != 3 || !q.sameShape(k) || !q.sameShape(v) || !q.sameShape(out)) {
            throw new IllegalArgumentException("attention: q, k, v, out must share one [B, T, D] shape, got "
                    + Shapes.str(q.shape()) + ", " + Shapes.str(k.shape()) + ", " + Shapes.str(v.shape()) + ", " + Shapes.str(out.shape()));
        }
    }

    @Override public void attention(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse) {
        live("attention", q, k, v, out, lse);
        checkAttention(q, k, v, out);
        int bsz = q.dim(0), t = q.dim(1), d = q.dim(2);
        double scale = 1 / Math.sqrt(d);
        double[] s = new double[t];
        for (int b = 0; b < bsz; b++) {
            for (int i = 0; i < t; i++) {
                int last = causal ? i : t - 1;
                double mx = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= last; j++) {
                    double dot = 0;
                    for (int e = 0; e < d; e++) dot += q.getDouble(idx(b, i, e, t, d)) * k.getDouble(idx(b, j, e, t, d));
                    s[j] = dot * scale;
                    mx = Math.max(mx, s[j]);
                }
                double z = 0;
                for (int j = 0; j <= last; j++) z += Math.exp(s[j] - mx);
                double l = mx + Math.log(z);
                lse.setDouble((long) b * t + i, l);
                for (int e = 0; e < d; e++) {
                    double acc = 0;
                    for (int j = 0; j <= last; j++) acc += Math.exp(s[j] - l) * v.getDouble(idx(b, j, e, t, d));
                    out.setDouble(idx(b, i, e, t, d), acc);
                }
            }
        }
    }

    private static long idx(int b, int i, int e, int t, int d) { return ((long) b * t + i) * d + e; }

    @Override public void attentionBackward(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse,
                                            Tensor gOut, Tensor gq, Tensor gk, Tensor gv) {
        live("attentionBackward", q, k, v, out, lse, gOut, gq, gk, gv);
        checkAttention(q, k, v, out);
        int bsz = q.dim(0), t = q.dim(1), d = q.dim(2);
        double scale = 1 / Math.sqrt(d);
        double[] gqa = new double[t * d], gka = new double[t * d], gva = new double[t * d];
        for (int b = 0; b < bsz; b++) {
            Arrays.fill(gqa, 0);
            Arrays.fill(gka, 0);
            Arrays.fill(gva, 0);
            for (int i = 0; i < t; i++) {
                int last = causal ? i : t - 1;
                double l = lse.getDouble((long) b * t + i);
                double dd = 0;
                for (int e = 0; e < d; e++) dd += gOut.getDouble(idx(b, i, e, t, d)) * out.getDouble(idx(b, i, e, t, d));
                for (int j = 0; j <= last; j++) {
                    double dot = 0, dp = 0;
                    for (int e = 0; e < d; e++) {
                        dot += q.getDouble(idx(b, i, e, t, d)) * k.getDouble(idx(b, j, e, t, d));
                        dp += gOut.getDouble(idx(b, i, e, t, d)) * v.getDouble(idx(b, j, e, t, d));
                    }
                    double p = Math.exp(dot * scale - l);
                    double ds = p * (dp - dd) * scale;
                    for (int e = 0; e < d; e++) {
                        gva[j * d + e] += p * gOut.getDouble(idx(b, i, e, t, d));
                        gqa[i * d + e] += ds * k.getDouble(idx(b, j, e, t, d));
                        gka[j * d + e] += ds * q.getDouble(idx(b, i, e, t, d));
                    }
                }
            }
            for (int i = 0; i < t * d; i++) {
                gq.setDouble((long) b * t * d + i, gqa[i]);
                gk.setDouble((long) b * t * d + i, gka[i]);
                gv.setDouble((long) b * t * d + i, gva[i]);
            }
        }
    }

    /** Element (b, j, hh, e) of a dense [N, T, H, D] tensor. */
    private static long keyIdx(int b, int j, int hh, int e, int t, int h, int d) { return (((long) b * t + j) * h + hh) * d + e; }

    @Override public void lastQueryAttention(Tensor q, Tensor k, Tensor v, Tensor out, Tensor p) {
        live("lastQueryAttention", q, k, v, out, p);
        LastQueryAttention.check(q, k, v, out, p);
        int n = k.dim(0), t = k.dim(1), h = k.dim(2), d = k.dim(3);
        double scale = 1 / Math.sqrt(d);
        double[] s = new double[t];
        for (int b = 0; b < n; b++) {
            for (int hh = 0; hh < h; hh++) {
                long row = ((long) b * h + hh) * d;
                double mx = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < t; j++) {
                    double dot = 0;
                    for (int e = 0; e < d; e++) dot += q.getDouble(row + e) * k.getDouble(keyIdx(b, j, hh, e, t, h, d));
                    s[j] = dot * scale;
                    mx = Math.max(mx, s[j]);
                }
                double z = 0;
                for (int j = 0; j < t; j++) z += Math.exp(s[j] - mx);
                for (int j = 0; j < t; j++) {
                    s[j] = Math.exp(s[j] - mx) / z;   // the score becomes its probability
                    p.setDouble(((long) b * h + hh) * t + j, s[j]);
                }
                for (int e = 0; e < d; e++) {
                    double acc = 0;
                    for (int j = 0; j < t; j++) acc += s[j] * v.getDouble(keyIdx(b, j, hh, e, t, h, d));
                    out.setDouble(row + e, acc);
                }
            }
        }
    }

    @Override public void lastQueryAttentionBackward(Tensor q, Tensor k, Tensor v, Tensor p, Tensor gOut, Tensor gq, Tensor gk,
                                                     Tensor gv) {
        live("lastQueryAttentionBackward", q, k, v, p, gOut, gq, gk, gv);
        LastQueryAttention.check(q, k, v, gOut, p);
        int n = k.dim(0), t = k.dim(1), h = k.dim(2), d = k.dim(3);
        double scale = 1 / Math.sqrt(d);
        double[] dp = new double[t];
        for (int b = 0; b < n; b++) {
            for (int hh = 0; hh < h; hh++) {
                long row = ((long) b * h + hh) * d;
                double dd = 0;
                for (int j = 0; j < t; j++) {
                    dp[j] = 0;
                    for (int e = 0; e < d; e++) dp[j] += gOut.getDouble(row + e) * v.getDouble(keyIdx(b, j, hh, e, t, h, d));
                    dd += p.getDouble(((long) b * h + hh) * t + j) * dp[j];
                }
                for (int e = 0; e < d; e++) gq.setDouble(row + e, 0);
                for (int j = 0; j < t; j++) {
                    double pj = p.getDouble(((long) b * h + hh) * t + j), ds = pj * (dp[j] - dd) * scale;
                    for (int e = 0; e < d; e++) {
                        long ki = keyIdx(b, j, hh, e, t, h, d);
                        gv.setDouble(ki, pj * gOut.getDouble(row + e));
                        gk.setDouble(ki, ds * q.getDouble(row + e));
                        gq.setDouble(row + e, gq.getDouble(row + e) + ds * k.getDouble(ki));
                    }
                }
            }
        }
    }

    // ---- embeddings ----------------------------------------------------------------------------

    /** Shared by every backend so all reject the same inputs with the same message. */
    public static void checkGather(String op, Tensor table, Tensor idx, Tensor rows) {
        if (table.rank() != 3 || rows.rank() != 3 || idx.dtype() != DType.I32 || idx.rank() < 1 || idx.rank() > 2) {
            throw new IllegalArgumentException(op + ": want table [M, V, D], I32 idx [N] or [M, N], rows [M, N, D]; got "
                    + Shapes.str(table.shape()) + ", " + idx.dtype() + Shapes.str(idx.shape()) + ", " + Shapes.str(rows.shape()));
        }
        int m = table.dim(0), d = table.dim(2), n = idx.dim(-1);
        boolean ok = rows.dim(0) == m && rows.dim(1) == n && rows.dim(2) == d && (idx.rank() == 1 || idx.dim(0) == m);
        if (!ok) {
            throw new IllegalArgumentException(op + ": shapes disagree: table " + Shapes.str(table.shape()) + ", idx "
                    + Shapes.str(idx.shape()) + ", rows " + Shapes.str(rows.shape()));
        }
    }

    protected static int index(Tensor idx, int model, int n, int vocab, String op) {
        long flat = idx.rank() == 1 ? n : (long) model * idx.dim(1) + n;
        int v = (int) idx.getDouble(flat);
        if (v < 0 || v >= vocab) throw new IllegalArgumentException(op + ": index " + v + " outside [0, " + vocab + ")");
        return v;
    }

    @Override public void gather(Tensor table, Tensor idx, Tensor out) {
        live("gather", table, idx, out);
        checkGather("gather", table, idx, out);
        int m = table.dim(0), vocab = table.dim(1), d = table.dim(2), n = idx.dim(-1);
        for (int mi = 0; mi < m; mi++) {
            for (int ni = 0; ni < n; ni++) {
                int row = index(idx, mi, ni, vocab, "gather");
                for (int e = 0; e < d; e++) {
                    out.setDouble(((long) mi * n + ni) * d + e, table.getDouble(((long) mi * vocab + row) * d + e));
                }
            }
        }
    }

    @Override public void scatterAdd(Tensor gOut, Tensor idx, Tensor gTable) {
        live("scatterAdd", gOut, idx, gTable);
        checkGather("scatterAdd", gTable, idx, gOut);
        int m = gTable.dim(0), vocab = gTable.dim(1), d = gTable.dim(2), n = idx.dim(-1);
        for (int mi = 0; mi < m; mi++) {
            for (int ni = 0; ni < n; ni++) {
                int row = index(idx, mi, ni, vocab, "scatterAdd");
                for (int e = 0; e < d; e++) {
                    long ti = ((long) mi * vocab + row) * d + e;
                    gTable.setDouble(ti, gTable.getDouble(ti) + gOut.getDouble(((long) mi * n + ni) * d + e));
                }
            }
        }
    }

    // ---- optimizer -----------------------------------------------------------------------------

    public static void checkAdam(Tensor p, Tensor g, Tensor m, Tensor v, Tensor target, AdamStep h) {
        for (Tensor t : new Tensor[]{g, m, v, target}) {
            if (t != null && !p.sameShape(t)) {
                throw new IllegalArgumentException("adamw: state " + Shapes.str(t.shape()) + " differs from parameter " + Shapes.str(p.shape()));
            }
        }
        if (p.rank() == 0 || p.dim(0) != h.models()) {
            throw new IllegalArgumentException("adamw: parameter " + Shapes.str(p.shape()) + " needs a leading model axis of " + h.models());
        }
    }

    @Override public void adamw(Tensor p, Tensor g, Tensor m, Tensor v, Tensor decayTarget, AdamStep h) {
        live("adamw", p, g, m, v);
        if (decayTarget != null) live("adamw", decayTarget);
        checkAdam(p, g, m, v, decayTarget, h);
        int n = p.numel(), per = n / h.models();
        double bc1 = 1 - Math.pow(h.beta1(), h.step()), bc2 = 1 - Math.pow(h.beta2(), h.step());
        for (int i = 0; i < n; i++) {
            int model = i / per;
            double lr = h.lr()[model], wd = h.weightDecay()[model];
            double pi = p.getDouble(i), gi = g.getDouble(i);
            double center = decayTarget == null ? 0 : decayTarget.getDouble(i);
            pi -= lr * wd * (pi - center);
            double mi = h.beta1() * m.getDouble(i) + (1 - h.beta1()) * gi;
            double vi = h.beta2() * v.getDouble(i) + (1 - h.beta2()) * gi * gi;
            pi -= lr * (mi / bc1) / (Math.sqrt(vi / bc2) + h.eps());
            m.setDouble(i, mi);
            v.setDouble(i, vi);
            p.setDouble(i, pi);
        }
    }

    protected static void checkSgd(Tensor p, Tensor g, Tensor buf, Tensor decayTarget, SgdStep h) {
        live("sgd", p, g);
        boolean mom = h.momentum() != 0;
        if (mom) live("sgd", buf);
        if (decayTarget != null) live("sgd", decayTarget);
        checkSgdShapes(p, g, buf, decayTarget, h);
    }

    /** The state's shapes against the parameter's (buf only with momentum) and the parameter's model axis. */
    public static void checkSgdShapes(Tensor p, Tensor g, Tensor buf, Tensor decayTarget, SgdStep h) {
        boolean mom = h.momentum() != 0;
        for (Tensor t : new Tensor[]{g, mom ? buf : null, decayTarget}) {
            if (t != null && !p.sameShape(t)) {
                throw new IllegalArgumentException("sgd: state " + Shapes.str(t.shape()) + " differs from parameter " + Shapes.str(p.shape()));
            }
        }
        if (p.rank() == 0 || p.dim(0) != h.models()) {
            throw new IllegalArgumentException("sgd: parameter " + Shapes.str(p.shape()) + " needs a leading model axis of " + h.models());
        }
    }

    @Override public void sgd(Tensor p, Tensor g, Tensor buf, Tensor decayTarget, SgdStep h) {
        checkSgd(p, g, buf, decayTarget, h);
        boolean mom = h.momentum() != 0;
        int n = p.numel(), per = n / h.models();
        for (int i = 0; i < n; i++) {
            int model = i / per;
            double pi = p.getDouble(i);
            double gi = g.getDouble(i) + h.weightDecay()[model] * (pi - (decayTarget == null ? 0 : decayTarget.getDouble(i)));
            if (mom) {
                double b = h.step() == 1 ? gi : h.momentum() * buf.getDouble(i) + (1 - h.dampening()) * gi;
                buf.setDouble(i, b);
                gi = h.nesterov() ? gi + h.momentum() * b : b;
            }
            p.setDouble(i, pi - h.lr()[model] * gi);
        }
    }

    // ---- randomness ----------------------------------------------------------------------------

    @Override public void dropoutMask(int seed, int stream, long counter, double p, Tensor mask) {
        live("dropoutMask", mask);
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        double keep = 1 / (1 - p);
        for (int i = 0, n = mask.numel(); i < n; i++) {
            mask.setDouble(i, Philox.uniformAt(seed, stream, i, counter) < p ? 0 : keep);
        }
    }

    // ---- checks --------------------------------------------------------------------------------

    protected static void live(String op, Tensor... ts) {
        for (Tensor t : ts) {
            t.check(op);
            if (t.device().kind() != Device.Kind.CPU) {
                throw new IllegalArgumentException(op + ": tensor " + Shapes.str(t.shape()) + " is on " + t.device() + ", this backend is the CPU");
            }
        }
    }

    protected static void sameShape(String op, Tensor a, Tensor b) {
        if (!a.sameShape(b)) {
            throw new IllegalArgumentException(op + ": shapes differ: " + Shapes.str(a.shape()) + " vs " + Shapes.str(b.shape()));
        }
    }
}
