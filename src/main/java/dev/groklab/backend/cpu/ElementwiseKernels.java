package dev.groklab.backend.cpu;

import dev.groklab.backend.Binary;
import dev.groklab.backend.ScalarOp;
import dev.groklab.backend.Unary;
import dev.groklab.tensor.Tensor;

/** float32 elementwise kernels (Vector API). Each returns false where it leaves the work to the reference. */
final class ElementwiseKernels {
    private ElementwiseKernels() {}

    static boolean fill(Tensor out, double value) { return false; }

    static boolean copy(Tensor src, Tensor dst) { return false; }

    static boolean unary(Unary op, Tensor x, Tensor out) { return false; }

    static boolean unaryBackward(Unary op, Tensor x, Tensor y, Tensor gy, Tensor gx) { return false; }

    static boolean scalar(ScalarOp op, Tensor x, double s, Tensor out) { return false; }

    static boolean binary(Binary op, Tensor a, Tensor b, Tensor out) { return false; }

    static boolean sumTo(Tensor x, Tensor out, boolean accumulate) { return false; }
}
