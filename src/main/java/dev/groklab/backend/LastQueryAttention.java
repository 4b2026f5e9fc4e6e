package dev.groklab.backend;

import dev.groklab.tensor.DType;
import dev.groklab.tensor.Shapes;
import dev.groklab.tensor.Tensor;

/**
 * Attention of one query per row over T keys ({@link Backend#lastQueryAttention}): the shape
 * check every backend shares, and the default implementation composed of elementwise products,
 * reductions and a softmax (the CPU and OpenCL backends use it; CUDA fuses each pass into one
 * kernel).
 */
public final class LastQueryAttention {
    private LastQueryAttention() {}

    /** q, out [N, H, D]; k, v [N, T, H, D] with T >= 1; p [N, H, T]. */
    public static void check(Tensor q, Tensor k, Tensor v, Tensor out, Tensor p) {
        boolean ok = k.rank() == 4 && k.sameShape(v) && k.dim(1) >= 1 && q.rank() == 3 && q.sameShape(out) && p.rank() == 3
                && q.dim(0) == k.dim(0) && q.dim(1) == k.dim(2) && q.dim(2) == k.dim(3)
                && p.dim(0) == k.dim(0) && p.dim(1) == k.dim(2) && p.dim(2) == k.dim(1);
        if (!ok) {
            throw new IllegalArgumentException("lastQueryAttention: needs q, out [N, H, D], k, v [N, T, H, D] (T >= 1) and p [N, H, T], got q "
                    + Shapes.str(q.shape()) + ", k " + Shapes.str(k.shape()) + ", v " + Shapes.str(v.shape()) + ", out "
                    + Shapes.str(out.shape()) + ", p " + Shapes.str(p.shape()));
        }
    }

    /** Scores q·k/√D as [N, T, H, 1] products summed over D, softmax over T into p, out = Σ_t p·v. */
    public static void forward(Backend be, Tensor q, Tensor k, Tensor v, Tensor out, Tensor p) {
        check(q, k, v, out, p);
        int n = k.dim(0), t = k.dim(1), h = k.dim(2), d = k.dim(3);
        DType dt = out.dtype();
        Tensor prod = be.empty(dt, n, t, h, d);
        be.binary(Binary.MUL, q.unsqueeze(1), k, prod);
        Tensor s = be.empty(dt, n, t, h, 1);
        be.sumTo(prod, s, false);
        Tensor scores = be.empty(dt, n, h, t);
        be.copy(s.reshape(n, t, h).permute(0, 2, 1), scores);
        be.scalar(ScalarOp.MUL, scores, 1 / Math.sqrt(d), scores);
        be.softmax(scores, p);
        be.binary(Binary.MUL, p.permute(0, 2, 1).unsqueeze(3), v, prod);
        be.sumTo(prod, out.unsqueeze(1), false);
    }

    /** gv = p·gOut; gs = softmax backward of gOut·v, scaled; gk = gs·q; gq = Σ_t gs·k. */
    public static void backward(Backend be, Tensor q, Tensor k, Tensor v, Tensor p, Tensor gOut, Tensor gq, Tensor gk, Tensor gv) {
        check(q, k, v, gOut, p);
        int n = k.dim(0), t = k.dim(1), h = k.dim(2), d = k.dim(3);
        DType dt = gq.dtype();
        Tensor go = gOut.unsqueeze(1);
        be.binary(Binary.MUL, p.permute(0, 2, 1).unsqueeze(3), go, gv);
        Tensor prod = be.empty(dt, n, t, h, d);
        be.binary(Binary.MUL, go, v, prod);
        Tensor gp = be.empty(dt, n, t, h, 1);
        be.sumTo(prod, gp, false);
        Tensor gpRows = be.empty(dt, n, h, t), gs = be.empty(dt, n, h, t);
        be.copy(gp.reshape(n, t, h).permute(0, 2, 1), gpRows);
        be.softmaxBackward(p, gpRows, gs);
        be.scalar(ScalarOp.MUL, gs, 1 / Math.sqrt(d), gs);
        Tensor gsKeys = gs.permute(0, 2, 1).unsqueeze(3);
        be.binary(Binary.MUL, gsKeys, q.unsqueeze(1), gk);
        be.binary(Binary.MUL, gsKeys, k, prod);
        be.sumTo(prod, gq.unsqueeze(1), false);
    }
}
