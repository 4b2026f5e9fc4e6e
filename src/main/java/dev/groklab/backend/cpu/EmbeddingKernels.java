package dev.groklab.backend.cpu;

import dev.groklab.tensor.Tensor;

/** float32 embedding gather / scatter-add. False = use the reference. */
final class EmbeddingKernels {
    private EmbeddingKernels() {}

    static boolean gather(Tensor table, Tensor idx, Tensor out) { return false; }

    static boolean scatterAdd(Tensor gOut, Tensor idx, Tensor gTable) { return false; }
}
