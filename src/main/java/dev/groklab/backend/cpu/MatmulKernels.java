package dev.groklab.backend.cpu;

import dev.groklab.backend.MatmulPlan;
import dev.groklab.tensor.Tensor;

/** float32 matmul on the CPU (Vector API). Returns false where it leaves the work to the reference. */
final class MatmulKernels {
    private MatmulKernels() {}

    static boolean matmul(MatmulPlan p, Tensor a, Tensor b, Tensor out, boolean accumulate) {
        return false;
    }
}
