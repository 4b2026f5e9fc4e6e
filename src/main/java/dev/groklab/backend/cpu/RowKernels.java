package dev.groklab.backend.cpu;

import dev.groklab.tensor.Tensor;

/** float32 kernels over rows (last axis): softmax, cross-entropy, layer norm. False = use the reference. */
final class RowKernels {
    private RowKernels() {}

    static boolean softmax(Tensor x, Tensor out) { return false; }

    static boolean logSoftmax(Tensor x, Tensor out) { return false; }

    static boolean softmaxBackward(Tensor y, Tensor gy, Tensor gx) { return false; }

    static boolean logSoftmaxBackward(Tensor y, Tensor gy, Tensor gx) { return false; }

    static boolean crossEntropy(Tensor logits, Tensor targets, Tensor loss, Tensor lse) { return false; }

    static boolean crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, Tensor gLoss, Tensor gLogits) { return false; }

    static boolean layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor out, Tensor mean, Tensor rstd) { return false; }

    static boolean layerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy,
                                     Tensor gx, Tensor gGamma, Tensor gBeta) { return false; }
}
