package dev.groklab.backend;

import dev.groklab.tensor.DType;
import dev.groklab.tensor.Device;
import dev.groklab.tensor.Tensor;

import java.util.List;

/**
 * The kernel set every device implements. Kernels write into caller-allocated outputs so that
 * the op layer decides lifetimes. Unless a method says otherwise, inputs may be any strided view
 * and outputs are dense ({@link Tensor#isContiguous()}); an output may be the same tensor as an
 * elementwise input (in place). Leading axes are batch axes: with a model (ensemble) axis first,
 * M independent models run in one call.
 *
 * <p>Every implementation is checked against {@code ReferenceBackend} (plain scalar loops in
 * double precision) on random odd shapes.
 */
public interface Backend {
    Device device();

    /**
     * Waits until every operation issued so far has finished: device backends queue their kernels,
     * so timings must wait here before reading the clock. The CPU backend computes eagerly.
     */
    default void synchronize() {}

    /**
     * Prepares a step the caller runs many times with the same shapes and buffers (a training
     * step): by default it runs each time; the CUDA backend replays it as a graph.
     */
    default RepeatedStep repeated(Runnable step) { return RepeatedStep.eager(step); }

    /** Uninitialized dense tensor owned by the current {@link dev.groklab.tensor.Scope}. */
    Tensor empty(DType dtype, int... shape);

    Tensor fromHost(float[] data, int... shape);
    Tensor fromHost(double[] data, int... shape);
    Tensor fromHost(int[] data, int... shape);

    /** Copies any tensor of this device into a new dense CPU tensor. */
    Tensor toHost(Tensor t);

    // ---- memory -------------------------------------------------------------------------------

    void fill(Tensor out, double value);

    /** dst ← src for equal shapes; any layouts; converts between F32 and F64. */
    void copy(Tensor src, Tensor dst);

    // ---- elementwise --------------------------------------------------------------------------

    void unary(Unary op, Tensor x, Tensor out);

    /** gx ← gy · f'(x), where y = f(x) is passed too (cheaper for EXP, TANH, SQRT). Shapes equal. */
    void unaryBackward(Unary op, Tensor x, Tensor y, Tensor gy, Tensor gx);

    void scalar(ScalarOp op, Tensor x, double s, Tensor out);

    /** out ← a op b with NumPy broadcasting; out has the broadcast shape. */
    void binary(Binary op, Tensor a, Tensor b, Tensor out);

    /**
     * out ← x summed down to out's shape (the reverse of broadcasting): out's shape, right-aligned
     * against x's, has 1 (or nothing) where x is summed. With {@code accumulate}, adds to out.
     */
    void sumTo(Tensor x, Tensor out, boolean accumulate);

    // ---- matmul -------------------------------------------------------------------------------

    /**
     * out[..., n, m] (+)= a[..., n, k] · b[..., k, m]. a and b may be strided in every axis
     * (transposed views cost nothing). Batch axes: equal, or one operand rank 2 (shared). If out is
     * rank 2 while a and b are batched, the products are summed over the batch (weight gradients
     * of shared weights). With {@code accumulate}, adds to out.
     */
    void matmul(Tensor a, Tensor b, Tensor out, boolean accumulate);

    // ---- rows (last axis) ---------------------------------------------------------------------

    void softmax(Tensor x, Tensor out);

    void logSoftmax(Tensor x, Tensor out);

    /** gx ← y ⊙ (gy − Σ gy⊙y) with y = softmax(x). */
    void softmaxBackward(Tensor y, Tensor gy, Tensor gx);

    /** gx ← gy − exp(y) · Σ gy with y = logSoftmax(x). */
    void logSoftmaxBackward(Tensor y, Tensor gy, Tensor gx);

    /**
     * Fused, numerically stable cross-entropy per row: logits [R, C] (dense), targets I32 [T] with
     * T dividing R (row r uses targets[r % T], so one target vector serves every model of an
     * ensemble); loss[r] = logsumexp(logits[r]) − logits[r, t]; lse[r] is kept for the backward.
     */
    void crossEntropy(Tensor logits, Tensor targets, Tensor loss, Tensor lse);

    /** gLogits[r] ← gLoss[r] · (softmax(logits[r]) − onehot(t)). */
    void crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, Tensor gLoss, Tensor gLogits);

    /**
     * Layer norm over the last axis. x [R, C] dense; gamma, beta [G, C] with G dividing R: rows
     * r belong to group r / (R/G) (one group per model). Saves mean and rstd [R].
     */
    void layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor out, Tensor mean, Tensor rstd);

    /** Writes gx; accumulates into gGamma and gBeta [G, C]. */
    void layerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy,
                           Tensor gx, Tensor gGamma, Tensor gBeta);

    // ---- attention ----------------------------------------------------------------------------

    /**
     * Fused scaled dot-product attention: q, k, v, out dense [B, T, D] (B folds models, batch and
     * heads); scores scaled by 1/sqrt(D), optional causal mask, softmax, weighted sum. lse [B, T]
     * keeps each row's log-sum-exp of the scaled scores for the backward.
     */
    void attention(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse);

    /** Writes gq, gk, gv [B, T, D] from gOut and the forward's out and lse. */
    void attentionBackward(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse,
                           Tensor gOut, Tensor gq, Tensor gk, Tensor gv);

    /**
     * Attention of one query per row over T keys: the read-out position of a causal model, whose
     * last query sees every key. q, out [N, H, D]; k, v [N, T, H, D] (N folds models and batch, H
     * heads); scores q·k/√D, their softmax over t written to p [N, H, T] for the backward, and
     * out = Σ_t p·v. Inputs dense, as every output. The default composes elementwise products,
     * reductions and a softmax; a backend may fuse it.
     */
    default void lastQueryAttention(Tensor q, Tensor k, Tensor v, Tensor out, Tensor p) {
        LastQueryAttention.forward(this, q, k, v, out, p);
    }

    /** Writes gq [N, H, D], gk, gv [N, T, H, D] from gOut [N, H, D] and the forward's p. */
    default void lastQueryAttentionBackward(Tensor q, Tensor k, Tensor v, Tensor p, Tensor gOut, Tensor gq, Tensor gk, Tensor gv) {
        LastQueryAttention.backward(this, q, k, v, p, gOut, gq, gk, gv);
    }

    // ---- embeddings ---------------------------------------------------------------------------

    /**
     * out[m, n, :] ← table[m, idx[n'], :] with table [M, V, D], idx I32 [N] (shared by all
     * models, n' = n) or [M, N] (per model), out [M, N, D]. An index outside [0, V) fails.
     */
    void gather(Tensor table, Tensor idx, Tensor out);

    /** gTable[m, idx[n'], :] += gOut[m, n, :] (the gather's backward). */
    void scatterAdd(Tensor gOut, Tensor idx, Tensor gTable);

    // ---- optimizer ----------------------------------------------------------------------------

    /**
     * One fused AdamW step on dense p, g, m, v of equal shape whose leading axis is the model
     * axis (size {@code h.models()}). {@code decayTarget} is null (decay toward zero) or the
     * initial weights (decay toward init).
     */
    void adamw(Tensor p, Tensor g, Tensor m, Tensor v, Tensor decayTarget, AdamStep h);

    /**
     * One fused SGD step (see {@link SgdStep}); {@code buf} is the momentum buffer (ignored and may
     * be null when momentum is 0); {@code decayTarget} null decays toward zero.
     */
    void sgd(Tensor p, Tensor g, Tensor buf, Tensor decayTarget, SgdStep h);

    /** One AdamW step over all of a model's parameters; the CUDA backend makes it one launch. */
    default void adamw(List<AdamStep.Slot> params, AdamStep h) {
        for (AdamStep.Slot s : params) adamw(s.p(), s.g(), s.m(), s.v(), s.decayTarget(), h);
    }

    /** One SGD step over all of a model's parameters; the CUDA backend makes it one launch. */
    default void sgd(List<SgdStep.Slot> params, SgdStep h) {
        for (SgdStep.Slot s : params) sgd(s.p(), s.g(), s.buf(), s.decayTarget(), h);
    }

    // ---- randomness ---------------------------------------------------------------------------

    /**
     * Dropout mask from Philox4x32-10 keyed by (seed, stream), counter (element index, counter):
     * each element is 0 with probability p, else 1/(1−p). Same numbers on every backend.
     */
    void dropoutMask(int seed, int stream, long counter, double p, Tensor mask);
}
