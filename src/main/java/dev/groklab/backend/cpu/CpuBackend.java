package dev.groklab.backend.cpu;

import dev.groklab.backend.AdamStep;
import dev.groklab.backend.Binary;
import dev.groklab.backend.LastQueryAttention;
import dev.groklab.backend.MatmulPlan;
import dev.groklab.backend.ScalarOp;
import dev.groklab.backend.SgdStep;
import dev.groklab.backend.Unary;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Tensor;

/**
 * The CPU backend: float32 work goes to the Vector API kernels, everything else (float64
 * references and gradient checks, layouts a kernel does not take) to the scalar reference.
 * Validation happens here, once, before any kernel sees the tensors.
 */
public final class CpuBackend extends ReferenceBackend {
    private static final CpuBackend INSTANCE = new CpuBackend();

    public static CpuBackend get() { return INSTANCE; }

    public CpuBackend() { super(); }

    public CpuBackend(CpuAllocator allocator) { super(allocator); }

    @Override public String toString() { return "cpu"; }

    private static boolean f32(Tensor... ts) {
        for (Tensor t : ts) if (t != null && t.dtype() != DType.F32) return false;
        return true;
    }

    @Override public void fill(Tensor out, double value) {
        live("fill", out);
        if (f32(out) && ElementwiseKernels.fill(out, value)) return;
        super.fill(out, value);
    }

    @Override public void copy(Tensor src, Tensor dst) {
        live("copy", src, dst);
        sameShape("copy", src, dst);
        if (f32(src, dst) && ElementwiseKernels.copy(src, dst)) return;
        super.copy(src, dst);
    }

    @Override public void unary(Unary op, Tensor x, Tensor out) {
        live("unary " + op, x, out);
        sameShape("unary " + op, x, out);
        if (f32(x, out) && ElementwiseKernels.unary(op, x, out)) return;
        super.unary(op, x, out);
    }

    @Override public void unaryBackward(Unary op, Tensor x, Tensor y, Tensor gy, Tensor gx) {
        live("unaryBackward " + op, x, y, gy, gx);
        sameShape("unaryBackward " + op, x, gx);
        sameShape("unaryBackward " + op, y, gx);
        sameShape("unaryBackward " + op, gy, gx);
        if (f32(x, y, gy, gx) && ElementwiseKernels.unaryBackward(op, x, y, gy, gx)) return;
        super.unaryBackward(op, x, y, gy, gx);
    }

    @Override public void scalar(ScalarOp op, Tensor x, double s, Tensor out) {
        live("scalar " + op, x, out);
        sameShape("scalar " + op, x, out);
        if (f32(x, out) && ElementwiseKernels.scalar(op, x, s, out)) return;
        super.scalar(op, x, s, out);
    }

    @Override public void binary(Binary op, Tensor a, Tensor b, Tensor out) {
        live("binary " + op, a, b, out);
        broadcastShape("binary " + op, a, b, out);
        if (f32(a, b, out) && ElementwiseKernels.binary(op, a, b, out)) return;
        super.binary(op, a, b, out);
    }

    @Override public void sumTo(Tensor x, Tensor out, boolean accumulate) {
        live("sumTo", x, out);
        checkSumTo(x, out);
        if (f32(x, out) && ElementwiseKernels.sumTo(x, out, accumulate)) return;
        super.sumTo(x, out, accumulate);
    }

    @Override public void matmul(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        live("matmul", a, b, out);
        MatmulPlan p = MatmulPlan.of(a, b, out);
        if (f32(a, b, out) && MatmulKernels.matmul(p, a, b, out, accumulate)) return;
        super.matmul(a, b, out, accumulate);
    }

    @Override public void softmax(Tensor x, Tensor out) {
        live("softmax", x, out);
        sameShape("softmax", x, out);
        if (f32(x, out) && RowKernels.softmax(x, out)) return;
        super.softmax(x, out);
    }

    @Override public void logSoftmax(Tensor x, Tensor out) {
        live("logSoftmax", x, out);
        sameShape("logSoftmax", x, out);
        if (f32(x, out) && RowKernels.logSoftmax(x, out)) return;
        super.logSoftmax(x, out);
    }

    @Override public void softmaxBackward(Tensor y, Tensor gy, Tensor gx) {
        live("softmaxBackward", y, gy, gx);
        sameShape("softmaxBackward", y, gx);
        sameShape("softmaxBackward", gy, gx);
        if (f32(y, gy, gx) && RowKernels.softmaxBackward(y, gy, gx)) return;
        super.softmaxBackward(y, gy, gx);
    }

    @Override public void logSoftmaxBackward(Tensor y, Tensor gy, Tensor gx) {
        live("logSoftmaxBackward", y, gy, gx);
        sameShape("logSoftmaxBackward", y, gx);
        sameShape("logSoftmaxBackward", gy, gx);
        if (f32(y, gy, gx) && RowKernels.logSoftmaxBackward(y, gy, gx)) return;
        super.logSoftmaxBackward(y, gy, gx);
    }

    @Override public void crossEntropy(Tensor logits, Tensor targets, Tensor loss, Tensor lse) {
        live("crossEntropy", logits, targets, loss, lse);
        checkCrossEntropy(logits, targets, loss, lse);
        if (f32(logits, loss, lse) && RowKernels.crossEntropy(logits, targets, loss, lse)) return;
        super.crossEntropy(logits, targets, loss, lse);
    }

    @Override public void crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, Tensor gLoss, Tensor gLogits) {
        live("crossEntropyBackward", logits, targets, lse, gLoss, gLogits);
        checkCrossEntropy(logits, targets, gLoss, lse);
        sameShape("crossEntropyBackward", logits, gLogits);
        if (f32(logits, lse, gLoss, gLogits) && RowKernels.crossEntropyBackward(logits, targets, lse, gLoss, gLogits)) return;
        super.crossEntropyBackward(logits, targets, lse, gLoss, gLogits);
    }

    @Override public void layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor out, Tensor mean, Tensor rstd) {
        live("layerNorm", x, gamma, beta, out, mean, rstd);
        sameShape("layerNorm", x, out);
        groups("layerNorm", x, gamma);
        groups("layerNorm", x, beta);
        if (f32(x, gamma, beta, out, mean, rstd) && RowKernels.layerNorm(x, gamma, beta, eps, out, mean, rstd)) return;
        super.layerNorm(x, gamma, beta, eps, out, mean, rstd);
    }

    @Override public void layerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy,
                                            Tensor gx, Tensor gGamma, Tensor gBeta) {
        live("layerNormBackward", x, gamma, mean, rstd, gy, gx, gGamma, gBeta);
        sameShape("layerNormBackward", x, gx);
        sameShape("layerNormBackward", gy, gx);
        groups("layerNormBackward", x, gamma);
        if (f32(x, gamma, mean, rstd, gy, gx, gGamma, gBeta)
                && RowKernels.layerNormBackward(x, gamma, mean, rstd, gy, gx, gGamma, gBeta)) return;
        super.layerNormBackward(x, gamma, mean, rstd, gy, gx, gGamma, gBeta);
    }

    @Override public void attention(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse) {
        live("attention", q, k, v, out, lse);
        checkAttention(q, k, v, out);
        if (f32(q, k, v, out, lse) && AttentionKernels.attention(q, k, v, causal, out, lse)) return;
        super.attention(q, k, v, causal, out, lse);
    }

    @Override public void attentionBackward(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse,
                                            Tensor gOut, Tensor gq, Tensor gk, Tensor gv) {
        live("attentionBackward", q, k, v, out, lse, gOut, gq, gk, gv);
        checkAttention(q, k, v, out);
        if (f32(q, k, v, out, lse, gOut, gq, gk, gv)
                && AttentionKernels.attentionBackward(q, k, v, causal, out, lse, gOut, gq, gk, gv)) return;
        super.attentionBackward(q, k, v, causal, out, lse, gOut, gq, gk, gv);
    }

    /** Composed of this backend's SIMD elementwise, reduction and softmax kernels (the reference is the scalar loop). */
    @Override public void lastQueryAttention(Tensor q, Tensor k, Tensor v, Tensor out, Tensor p) {
        live("lastQueryAttention", q, k, v, out, p);
        LastQueryAttention.forward(this, q, k, v, out, p);
    }

    @Override public void lastQueryAttentionBackward(Tensor q, Tensor k, Tensor v, Tensor p, Tensor gOut, Tensor gq, Tensor gk,
                                                     Tensor gv) {
        live("lastQueryAttentionBackward", q, k, v, p, gOut, gq, gk, gv);
        LastQueryAttention.backward(this, q, k, v, p, gOut, gq, gk, gv);
    }

    @Override public void gather(Tensor table, Tensor idx, Tensor out) {
        live("gather", table, idx, out);
        checkGather("gather", table, idx, out);
        if (f32(table, out) && EmbeddingKernels.gather(table, idx, out)) return;
        super.gather(table, idx, out);
    }

    @Override public void scatterAdd(Tensor gOut, Tensor idx, Tensor gTable) {
        live("scatterAdd", gOut, idx, gTable);
        checkGather("scatterAdd", gTable, idx, gOut);
        if (f32(gOut, gTable) && EmbeddingKernels.scatterAdd(gOut, idx, gTable)) return;
        super.scatterAdd(gOut, idx, gTable);
    }

    @Override public void adamw(Tensor p, Tensor g, Tensor m, Tensor v, Tensor decayTarget, AdamStep h) {
        live("adamw", p, g, m, v);
        if (decayTarget != null) live("adamw", decayTarget);
        checkAdam(p, g, m, v, decayTarget, h);
        if (f32(p, g, m, v, decayTarget) && OptimizerKernels.adamw(p, g, m, v, decayTarget, h)) return;
        super.adamw(p, g, m, v, decayTarget, h);
    }

    @Override public void sgd(Tensor p, Tensor g, Tensor buf, Tensor decayTarget, SgdStep h) {
        checkSgd(p, g, buf, decayTarget, h);
        if (f32(p, g, buf, decayTarget) && OptimizerKernels.sgd(p, g, buf, decayTarget, h)) return;
        super.sgd(p, g, buf, decayTarget, h);
    }
}
