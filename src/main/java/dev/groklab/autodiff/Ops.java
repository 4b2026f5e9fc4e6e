package dev.groklab.autodiff;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Binary;
import dev.groklab.backend.ScalarOp;
import dev.groklab.backend.Unary;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Shapes;
import dev.groklab.tensor.Tensor;

import java.util.Arrays;

/**
 * Differentiable ops over {@link Var}s. Each computes its forward with backend kernels and
 * records a backward that writes parent gradients with backend kernels. Leading axes are batch
 * axes, so a model (ensemble) axis passes through every op.
 */
public final class Ops {
    private Ops() {}

    static Tensor dense(Backend be, Tensor t) {
        if (t.isContiguous()) return t;
        Tensor c = be.empty(t.dtype(), t.shape());
        be.copy(t, c);
        return c;
    }

    private static Tensor like(Backend be, Tensor t) { return be.empty(t.dtype(), t.shape()); }

    private static Tensor zerosLike(Backend be, Tensor t) {
        Tensor z = like(be, t);
        be.fill(z, 0);
        return z;
    }

    // ---- linear algebra ------------------------------------------------------------------------

    /** a[..., n, k] · b[..., k, m]; batch axes equal, or one side rank 2 (shared). */
    public static Var matmul(Var a, Var b) {
        Backend be = a.backend();
        Tensor av = a.value(), bv = b.value();
        int[] batch = av.rank() >= bv.rank() ? Arrays.copyOf(av.shape(), av.rank() - 2) : Arrays.copyOf(bv.shape(), bv.rank() - 2);
        if (av.rank() < 2 || bv.rank() < 2) {
            throw new IllegalArgumentException("matmul: operands need rank >= 2, got " + Shapes.str(av.shape()) + " x " + Shapes.str(bv.shape()));
        }
        int[] os = Arrays.copyOf(batch, batch.length + 2);
        os[batch.length] = av.dim(-2);
        os[batch.length + 1] = bv.dim(-1);
        Tensor out = be.empty(av.dtype(), os);
        be.matmul(av, bv, out, false);
        return Var.of("matmul", out, new Var[]{a, b}, g -> {
            if (a.requiresGrad()) {
                Tensor ga = like(be, av);
                be.matmul(g, bv.transpose(-1, -2), ga, false);
                a.accumulate(ga, true);
            }
            if (b.requiresGrad()) {
                Tensor gb = like(be, bv);
                be.matmul(av.transpose(-1, -2), g, gb, false);
                b.accumulate(gb, true);
            }
        });
    }

    // ---- elementwise ---------------------------------------------------------------------------

    private static Var binary(String name, Binary op, Var a, Var b) {
        Backend be = a.backend();
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        if (shape == null) {
            throw new IllegalArgumentException(name + ": shapes " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()) + " do not broadcast");
        }
        Tensor out = be.empty(a.value().dtype(), shape);
        be.binary(op, a.value(), b.value(), out);
        return Var.of(name, out, new Var[]{a, b}, g -> {
            switch (op) {
                case ADD -> { a.accumulate(g, false); b.accumulate(g, false); }
                case SUB -> {
                    a.accumulate(g, false);
                    if (b.requiresGrad()) {
                        Tensor nb = like(be, g);
                        be.unary(Unary.NEG, g, nb);
                        b.accumulate(nb, true);
                    }
                }
                case MUL -> {
                    if (a.requiresGrad()) { Tensor ga = like(be, g); be.binary(Binary.MUL, g, b.value(), ga); a.accumulate(ga, true); }
                    if (b.requiresGrad()) { Tensor gb = like(be, g); be.binary(Binary.MUL, g, a.value(), gb); b.accumulate(gb, true); }
                }
                case DIV -> {
                    if (a.requiresGrad()) { Tensor ga = like(be, g); be.binary(Binary.DIV, g, b.value(), ga); a.accumulate(ga, true); }
                    if (b.requiresGrad()) {
                        // d(a/b)/db = -out/b
                        Tensor gb = like(be, g);
                        be.binary(Binary.MUL, g, out, gb);
                        be.binary(Binary.DIV, gb, b.value(), gb);
                        be.unary(Unary.NEG, gb, gb);
                        b.accumulate(gb, true);
                    }
                }
            }
        });
    }

    public static Var add(Var a, Var b) { return binary("add", Binary.ADD, a, b); }
    public static Var sub(Var a, Var b) { return binary("sub", Binary.SUB, a, b); }
    public static Var mul(Var a, Var b) { return binary("mul", Binary.MUL, a, b); }
    public static Var div(Var a, Var b) { return binary("div", Binary.DIV, a, b); }

    private static Var scalar(String name, ScalarOp op, Var x, double s) {
        Backend be = x.backend();
        Tensor out = like(be, x.value());
        be.scalar(op, x.value(), s, out);
        return Var.of(name, out, new Var[]{x}, g -> {
            switch (op) {
                case ADD -> x.accumulate(g, false);
                case MUL -> { Tensor gx = like(be, g); be.scalar(ScalarOp.MUL, g, s, gx); x.accumulate(gx, true); }
                case POW -> {
                    Tensor gx = like(be, g);
                    be.scalar(ScalarOp.POW, x.value(), s - 1, gx);
                    be.scalar(ScalarOp.MUL, gx, s, gx);
                    be.binary(Binary.MUL, gx, g, gx);
                    x.accumulate(gx, true);
                }
            }
        });
    }

    public static Var addScalar(Var x, double s) { return scalar("addScalar", ScalarOp.ADD, x, s); }
    public static Var mulScalar(Var x, double s) { return scalar("mulScalar", ScalarOp.MUL, x, s); }
    public static Var pow(Var x, double s) { return scalar("pow", ScalarOp.POW, x, s); }

    private static Var unary(Unary op, Var x) {
        Backend be = x.backend();
        Tensor out = like(be, x.value());
        be.unary(op, x.value(), out);
        return Var.of(op.name().toLowerCase(), out, new Var[]{x}, g -> {
            Tensor gx = like(be, g);
            be.unaryBackward(op, x.value(), out, g, gx);
            x.accumulate(gx, true);
        });
    }

    public static Var neg(Var x) { return unary(Unary.NEG, x); }
    public static Var relu(Var x) { return unary(Unary.RELU, x); }
    public static Var gelu(Var x) { return unary(Unary.GELU, x); }
    public static Var tanh(Var x) { return unary(Unary.TANH, x); }
    public static Var exp(Var x) { return unary(Unary.EXP, x); }
    public static Var log(Var x) { return unary(Unary.LOG, x); }
    public static Var square(Var x) { return unary(Unary.SQUARE, x); }
    public static Var sqrt(Var x) { return unary(Unary.SQRT, x); }
    public static Var abs(Var x) { return unary(Unary.ABS, x); }

    // ---- reductions ----------------------------------------------------------------------------

    /** Sum over the given axes; with keepDims the reduced axes stay as size 1. */
    public static Var sum(Var x, boolean keepDims, int... axes) {
        Backend be = x.backend();
        int[] shape = x.shape();
        int[] kept = shape.clone();
        boolean[] reduced = new boolean[shape.length];
        for (int a : axes) reduced[Shapes.axis(a, shape.length, "sum")] = true;
        int outRank = 0;
        for (int i = 0; i < shape.length; i++) {
            if (reduced[i]) kept[i] = 1; else outRank++;
        }
        Tensor out = be.empty(x.value().dtype(), kept);
        be.sumTo(x.value(), out, false);
        Tensor result = out;
        if (!keepDims) {
            int[] squeezed = new int[outRank];
            for (int i = 0, j = 0; i < shape.length; i++) if (!reduced[i]) squeezed[j++] = shape[i];
            result = out.reshape(squeezed);
        }
        return Var.of("sum", result, new Var[]{x}, g -> {
            Tensor gx = like(be, x.value());
            be.copy(g.reshape(kept).expand(shape), gx);
            x.accumulate(gx, true);
        });
    }

    /** Sum of all elements, as a [1] tensor. */
    public static Var sumAll(Var x) { return reshape(sum(x, false, allAxes(x.value().rank())), 1); }

    public static Var mean(Var x, boolean keepDims, int... axes) {
        long n = 1;
        for (int a : axes) n *= x.value().dim(a);
        return mulScalar(sum(x, keepDims, axes), 1.0 / n);
    }

    public static Var meanAll(Var x) { return mulScalar(sumAll(x), 1.0 / x.value().numel()); }

    static int[] allAxes(int rank) {
        int[] a = new int[rank];
        for (int i = 0; i < rank; i++) a[i] = i;
        return a;
    }

    // ---- shape ---------------------------------------------------------------------------------

    public static Var reshape(Var x, int... shape) {
        Backend be = x.backend();
        Tensor out = dense(be, x.value()).reshape(shape);
        int[] orig = x.shape();
        return Var.of("reshape", out, new Var[]{x}, g -> x.accumulate(dense(be, g).reshape(orig), false));
    }

    /**
     * A strided view of x's elements in row-major order: element (i0, i1, ...) of the result is
     * element offset + Σ i·stride of x. The view must not overlap itself (each stride at least the
     * extent of the axes after it). Its backward adds into the same view of x's gradient; no
     * element is copied either way when x is dense.
     */
    public static Var view(Var x, int[] shape, int[] strides, long offset) {
        if (shape.length != strides.length || shape.length == 0) throw new IllegalArgumentException("view: shape and strides differ in rank");
        long extent = 1;
        long last = offset;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] < 1 || strides[i] < extent) {
                throw new IllegalArgumentException("view: strides " + Shapes.str(strides) + " overlap or are negative for shape " + Shapes.str(shape));
            }
            last += (long) (shape[i] - 1) * strides[i];
            extent = (long) (shape[i] - 1) * strides[i] + 1;
        }
        if (offset < 0 || last >= x.value().numel()) {
            throw new IllegalArgumentException("view: shape " + Shapes.str(shape) + " with strides " + Shapes.str(strides) + " at offset " + offset
                    + " reaches outside the " + x.value().numel() + " elements of " + Shapes.str(x.shape()));
        }
        Backend be = x.backend();
        Tensor xd = dense(be, x.value());
        Tensor out = new Tensor(xd.storage(), xd.dtype(), shape, strides, xd.offset() + offset);
        return Var.of("view", out, new Var[]{x},
                g -> x.accumulateRegion(g, t -> new Tensor(t.storage(), t.dtype(), shape, strides, t.offset() + offset)));
    }

    public static Var permute(Var x, int... axes) {
        Tensor out = x.value().permute(axes);
        int[] inverse = new int[axes.length];
        for (int i = 0; i < axes.length; i++) inverse[Shapes.axis(axes[i], axes.length, "permute")] = i;
        return Var.of("permute", out, new Var[]{x}, g -> x.accumulate(g.permute(inverse), false));
    }

    public static Var transpose(Var x, int a, int b) {
        int[] p = allAxes(x.value().rank());
        a = Shapes.axis(a, p.length, "transpose");
        b = Shapes.axis(b, p.length, "transpose");
        p[a] = b;
        p[b] = a;
        return permute(x, p);
    }

    /** Elements [start, end) along an axis (a view). */
    public static Var slice(Var x, int axis, int start, int end) {
        Backend be = x.backend();
        Tensor out = x.value().slice(axis, start, end);
        return Var.of("slice", out, new Var[]{x}, g -> x.accumulateRegion(g, t -> t.slice(axis, start, end)));
    }

    /** Joins tensors along an axis; the other axes must agree. */
    public static Var concat(int axis, Var... xs) {
        Backend be = xs[0].backend();
        int rank = xs[0].value().rank();
        int ax = Shapes.axis(axis, rank, "concat");
        int[] shape = xs[0].shape();
        int total = 0;
        for (Var x : xs) {
            int[] s = x.shape();
            if (s.length != rank) throw new IllegalArgumentException("concat: ranks differ: " + Shapes.str(shape) + " vs " + Shapes.str(s));
            for (int i = 0; i < rank; i++) {
                if (i != ax && s[i] != shape[i]) {
                    throw new IllegalArgumentException("concat: shapes " + Shapes.str(shape) + " and " + Shapes.str(s) + " differ off axis " + ax);
                }
            }
            total += s[ax];
        }
        shape[ax] = total;
        Tensor out = be.empty(xs[0].value().dtype(), shape);
        int[] starts = new int[xs.length];
        for (int i = 0, at = 0; i < xs.length; i++) {
            starts[i] = at;
            int len = xs[i].value().dim(ax);
            be.copy(xs[i].value(), out.slice(ax, at, at + len));
            at += len;
        }
        return Var.of("concat", out, xs.clone(), g -> {
            for (int i = 0; i < xs.length; i++) {
                int len = xs[i].value().dim(ax);
                xs[i].accumulate(g.slice(ax, starts[i], starts[i] + len), false);
            }
        });
    }

    // ---- rows ----------------------------------------------------------------------------------

    public static Var softmax(Var x) {
        Backend be = x.backend();
        Tensor xv = dense(be, x.value());
        Tensor out = like(be, xv);
        be.softmax(xv, out);
        return Var.of("softmax", out, new Var[]{x}, g -> {
            Tensor gx = like(be, out);
            be.softmaxBackward(out, dense(be, g), gx);
            x.accumulate(gx, true);
        });
    }

    public static Var logSoftmax(Var x) {
        Backend be = x.backend();
        Tensor xv = dense(be, x.value());
        Tensor out = like(be, xv);
        be.logSoftmax(xv, out);
        return Var.of("logSoftmax", out, new Var[]{x}, g -> {
            Tensor gx = like(be, out);
            be.logSoftmaxBackward(out, dense(be, g), gx);
            x.accumulate(gx, true);
        });
    }

    /**
     * Per-row cross-entropy of logits [..., C] against I32 targets [T] (T divides the row count;
     * row r uses targets[r % T], so one target vector serves all models). Returns logits' shape
     * without its last axis.
     */
    public static Var crossEntropy(Var logits, Tensor targets) {
        Backend be = logits.backend();
        int[] shape = logits.shape();
        int c = shape[shape.length - 1];
        Tensor lv = dense(be, logits.value()).reshape(-1, c);
        int rows = lv.dim(0);
        Tensor loss = be.empty(lv.dtype(), rows), lse = be.empty(lv.dtype(), rows);
        be.crossEntropy(lv, targets, loss, lse);
        int[] outShape = Arrays.copyOf(shape, shape.length - 1);
        return Var.of("crossEntropy", loss.reshape(outShape), new Var[]{logits}, g -> {
            Tensor gl = be.empty(lv.dtype(), rows, c);
            be.crossEntropyBackward(lv, targets, lse, dense(be, g).reshape(rows), gl);
            logits.accumulate(gl.reshape(shape), true);
        });
    }

    /** Mean squared error over the last axis: mean_c (pred − target)², one value per row. */
    public static Var mse(Var pred, Var target) {
        return mean(square(sub(pred, target)), false, -1);
    }

    /** Layer norm over the last axis; gamma, beta [C] or [G, C] (one row per model). */
    public static Var layerNorm(Var x, Var gamma, Var beta, double eps) {
        Backend be = x.backend();
        int[] shape = x.shape();
        int c = shape[shape.length - 1];
        Tensor xv = dense(be, x.value()).reshape(-1, c);
        int rows = xv.dim(0);
        Tensor out = be.empty(xv.dtype(), rows, c), mean = be.empty(xv.dtype(), rows), rstd = be.empty(xv.dtype(), rows);
        be.layerNorm(xv, gamma.value(), beta.value(), eps, out, mean, rstd);
        return Var.of("layerNorm", out.reshape(shape), new Var[]{x, gamma, beta}, g -> {
            Tensor gx = be.empty(xv.dtype(), rows, c);
            Tensor gg = zerosLike(be, gamma.value()), gb = zerosLike(be, beta.value());
            be.layerNormBackward(xv, gamma.value(), mean, rstd, dense(be, g).reshape(rows, c), gx, gg, gb);
            x.accumulate(gx.reshape(shape), true);
            gamma.accumulate(gg, true);
            beta.accumulate(gb, true);
        });
    }

    // ---- attention -----------------------------------------------------------------------------

    /** Fused scaled dot-product attention over q, k, v [..., T, D] (leading axes fold into a batch). */
    public static Var attention(Var q, Var k, Var v, boolean causal) {
        Backend be = q.backend();
        int[] shape = q.shape();
        if (!Arrays.equals(shape, k.shape()) || !Arrays.equals(shape, v.shape()) || shape.length < 2) {
            throw new IllegalArgumentException("attention: q, k, v must share one [..., T, D] shape, got "
                    + Shapes.str(shape) + ", " + Shapes.str(k.shape()) + ", " + Shapes.str(v.shape()));
        }
        int t = shape[shape.length - 2], d = shape[shape.length - 1];
        Tensor qv = dense(be, q.value()).reshape(-1, t, d);
        Tensor kv = dense(be, k.value()).reshape(-1, t, d);
        Tensor vv = dense(be, v.value()).reshape(-1, t, d);
        int b = qv.dim(0);
        Tensor out = be.empty(qv.dtype(), b, t, d), lse = be.empty(qv.dtype(), b, t);
        be.attention(qv, kv, vv, causal, out, lse);
        return Var.of("attention", out.reshape(shape), new Var[]{q, k, v}, g -> {
            Tensor gq = be.empty(qv.dtype(), b, t, d), gk = be.empty(qv.dtype(), b, t, d), gv = be.empty(qv.dtype(), b, t, d);
            be.attentionBackward(qv, kv, vv, causal, out, lse, dense(be, g).reshape(b, t, d), gq, gk, gv);
            q.accumulate(gq.reshape(shape), true);
            k.accumulate(gk.reshape(shape), true);
            v.accumulate(gv.reshape(shape), true);
        });
    }

    /**
     * Attention of one query per row over T keys (see {@link Backend#lastQueryAttention}): q
     * [..., H, D], k and v [..., T, H, D] with the same leading axes; result [..., H, D].
     */
    public static Var lastQueryAttention(Var q, Var k, Var v) {
        Backend be = q.backend();
        int[] ks = k.shape(), qs = q.shape();
        int r = ks.length;
        boolean ok = r >= 3 && Arrays.equals(ks, v.shape()) && qs.length == r - 1
                && Arrays.equals(Arrays.copyOf(ks, r - 3), Arrays.copyOf(qs, r - 3)) && qs[r - 3] == ks[r - 2] && qs[r - 2] == ks[r - 1];
        if (!ok) {
            throw new IllegalArgumentException("lastQueryAttention: q must be [..., H, D] and k, v [..., T, H, D], got "
                    + Shapes.str(qs) + ", " + Shapes.str(ks) + ", " + Shapes.str(v.shape()));
        }
        int t = ks[r - 3], h = ks[r - 2], d = ks[r - 1];
        Tensor qv = dense(be, q.value()).reshape(-1, h, d);
        Tensor kv = dense(be, k.value()).reshape(-1, t, h, d);
        Tensor vv = dense(be, v.value()).reshape(-1, t, h, d);
        int n = qv.dim(0);
        Tensor out = be.empty(qv.dtype(), n, h, d), p = be.empty(qv.dtype(), n, h, t);
        be.lastQueryAttention(qv, kv, vv, out, p);
        return Var.of("lastQueryAttention", out.reshape(qs), new Var[]{q, k, v}, g -> {
            Tensor gq = be.empty(qv.dtype(), n, h, d), gk = be.empty(qv.dtype(), n, t, h, d), gv = be.empty(qv.dtype(), n, t, h, d);
            be.lastQueryAttentionBackward(qv, kv, vv, p, dense(be, g).reshape(n, h, d), gq, gk, gv);
            q.accumulate(gq.reshape(qs), true);
            k.accumulate(gk.reshape(ks), true);
            v.accumulate(gv.reshape(ks), true);
        });
    }

    // ---- embeddings ----------------------------------------------------------------------------

    /**
     * Rows of table [M, V, D] (or [V, D] for one model) at I32 indices [N] (shared) or [M, N];
     * result [M, N, D] (or [N, D]).
     */
    public static Var embedding(Var table, Tensor idx) {
        Backend be = table.backend();
        boolean single = table.value().rank() == 2;
        Tensor tv = single ? table.value().unsqueeze(0) : table.value();
        int m = tv.dim(0), d = tv.dim(2), n = idx.dim(-1);
        Tensor out = be.empty(tv.dtype(), m, n, d);
        be.gather(tv, idx, out);
        Tensor result = single ? out.reshape(n, d) : out;
        return Var.of("embedding", result, new Var[]{table}, g -> {
            Tensor gt = be.empty(tv.dtype(), tv.shape());
            be.fill(gt, 0);
            be.scatterAdd(dense(be, g).reshape(m, n, d), idx, gt);
            table.accumulate(single ? gt.reshape(table.shape()) : gt, true);
        });
    }

    // ---- regularization ------------------------------------------------------------------------

    /** Inverted dropout with a Philox mask (call it in training only): (seed, stream) name the run and layer, counter the step. */
    public static Var dropout(Var x, double p, int seed, int stream, long counter) {
        if (p == 0) return x;
        Backend be = x.backend();
        Tensor mask = be.empty(x.value().dtype(), x.shape());
        be.dropoutMask(seed, stream, counter, p, mask);
        Tensor out = like(be, mask);
        be.binary(Binary.MUL, x.value(), mask, out);
        return Var.of("dropout", out, new Var[]{x}, g -> {
            Tensor gx = like(be, mask);
            be.binary(Binary.MUL, g, mask, gx);
            x.accumulate(gx, true);
        });
    }

    /** A constant of the same dtype/device as x: for targets and masks. */
    public static Var constantLike(Var x, double value, int... shape) {
        Backend be = x.backend();
        Tensor t = be.empty(x.value().dtype(), shape);
        be.fill(t, value);
        return Var.constant(t);
    }

    static DType dtype(Var x) { return x.value().dtype(); }
}
