package dev.groklab.backend.cpu;

import dev.groklab.tensor.Tensor;

/** Fused float32 causal attention (Vector API). False = use the reference. */
final class AttentionKernels {
    private AttentionKernels() {}

    static boolean attention(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse) { return false; }

    static boolean attentionBackward(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse,
                                     Tensor gOut, Tensor gq, Tensor gk, Tensor gv) { return false; }
}
