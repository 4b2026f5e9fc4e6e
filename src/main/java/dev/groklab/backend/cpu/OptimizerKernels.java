package dev.groklab.backend.cpu;

import dev.groklab.backend.AdamStep;
import dev.groklab.tensor.Tensor;

/** Fused float32 optimizer steps (Vector API). False = use the reference. */
final class OptimizerKernels {
    private OptimizerKernels() {}

    static boolean adamw(Tensor p, Tensor g, Tensor m, Tensor v, Tensor decayTarget, AdamStep h) { return false; }
}
