package dev.groklab.backend.opencl;

import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.groklab.backend.opencl.OpenClTesting.REF;
import static dev.groklab.backend.opencl.OpenClTesting.up;

/**
 * Both matmul kernels (local-memory tiles for GPUs, register rows for CPU devices) against the
 * reference: odd sizes, transposed and sliced views, every batch form.
 */
class OpenClMatmulTest {
    private static OpenClBackend ocl;
    private static final double RTOL = 2e-5;
    private static final int[] SIZES = {1, 3, 7, 17, 33, 65, 127};

    private static final String[] KERNELS = {"tiled", "rows"};

    @BeforeAll static void open() { ocl = OpenClTesting.backend(); }

    @AfterAll static void restore() { if (ocl != null) ocl.matmulKernel(null); }

    /** Compares out (+)= a·b on both backends; a, b are CPU views, made the same views on the device by {@code view}. */
    private static String kernel = "";

    private static void check(String what, Tensor a, Tensor b, int[] outShape, boolean acc, Random r, long seed,
                              java.util.function.UnaryOperator<Tensor> va, java.util.function.UnaryOperator<Tensor> vb) {
        Tensor init = Check.randn(REF, r, outShape);
        Tensor e = Check.copyOf(REF, init), o = up(ocl, init);
        REF.matmul(va.apply(a), vb.apply(b), e, acc);
        ocl.matmul(va.apply(up(ocl, a)), vb.apply(up(ocl, b)), o, acc);
        // Each output sums k unit-normal products (and the initial value): with one output, the sum may
        // cancel far below its terms' scale √k + 1, which bounds the rounding.
        int k = va.apply(a).dim(-1);
        Check.close(what + (acc ? " accumulate" : "") + " [" + kernel + "] (seed " + seed + ")", e, ocl.toHost(o), RTOL,
                Math.sqrt(k) + 1);
    }

    @Test void plainAndTransposed() {
        for (String kernel : KERNELS) {
            ocl.matmulKernel(kernel);
            OpenClMatmulTest.kernel = kernel;
            plainAndTransposedCase();
        }
    }

    private void plainAndTransposedCase() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (int i = 0; i < 12; i++) {
                int n = SIZES[r.nextInt(SIZES.length)], k = SIZES[r.nextInt(SIZES.length)], m = SIZES[r.nextInt(SIZES.length)];
                String dims = n + "x" + k + "x" + m;
                boolean acc = r.nextBoolean();
                check("matmul " + dims, Check.randn(REF, r, n, k), Check.randn(REF, r, k, m), new int[]{n, m}, acc, r, seed, x -> x, x -> x);
                check("matmul aT " + dims, Check.randn(REF, r, k, n), Check.randn(REF, r, k, m), new int[]{n, m}, acc, r, seed,
                        x -> x.transpose(0, 1), x -> x);
                check("matmul bT " + dims, Check.randn(REF, r, n, k), Check.randn(REF, r, m, k), new int[]{n, m}, acc, r, seed,
                        x -> x, x -> x.transpose(0, 1));
                check("matmul aT bT " + dims, Check.randn(REF, r, k, n), Check.randn(REF, r, m, k), new int[]{n, m}, acc, r, seed,
                        x -> x.transpose(0, 1), x -> x.transpose(0, 1));
            }
            // several tiles in every direction, and sliced operands
            check("matmul 130x257x67", Check.randn(REF, r, 130, 257), Check.randn(REF, r, 257, 67), new int[]{130, 67}, false, r, seed,
                    x -> x, x -> x);
            // a long inner axis, run in slabs by the rows kernel: plain, accumulating, summed over a batch
            check("matmul long k", Check.randn(REF, r, 9, 1100), Check.randn(REF, r, 1100, 13), new int[]{9, 13}, false, r, seed,
                    x -> x, x -> x);
            check("matmul long k bT", Check.randn(REF, r, 9, 1100), Check.randn(REF, r, 13, 1100), new int[]{9, 13}, true, r, seed,
                    x -> x, x -> x.transpose(0, 1));
            check("reduce batch long k", Check.randn(REF, r, 2, 700, 5), Check.randn(REF, r, 2, 700, 3), new int[]{5, 3}, false, r, seed,
                    x -> x.transpose(1, 2), x -> x);
            check("matmul sliced", Check.randn(REF, r, 40, 70), Check.randn(REF, r, 33, 90), new int[]{35, 17}, false, r, seed,
                    x -> x.slice(0, 2, 37).slice(1, 5, 38), x -> x.slice(1, 60, 77));
        }
    }

    @Test void batched() {
        for (String kernel : KERNELS) {
            ocl.matmulKernel(kernel);
            OpenClMatmulTest.kernel = kernel;
            batchedCase();
        }
    }

    private void batchedCase() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (int i = 0; i < 4; i++) {
                int n = Check.odd(r, 1, 65), k = Check.odd(r, 1, 65), m = Check.odd(r, 1, 65), bt = Check.odd(r, 1, 7);
                String dims = bt + "x" + n + "x" + k + "x" + m;
                boolean acc = r.nextBoolean();
                check("equal batch " + dims, Check.randn(REF, r, bt, n, k), Check.randn(REF, r, bt, k, m), new int[]{bt, n, m}, acc, r, seed,
                        x -> x, x -> x);
                check("shared b " + dims, Check.randn(REF, r, bt, n, k), Check.randn(REF, r, k, m), new int[]{bt, n, m}, acc, r, seed,
                        x -> x, x -> x);
                check("shared a " + dims, Check.randn(REF, r, n, k), Check.randn(REF, r, bt, k, m), new int[]{bt, n, m}, acc, r, seed,
                        x -> x, x -> x);
                // weight gradient of a shared weight: x^T · g summed over the batch into a rank-2 out
                check("reduce batch " + dims, Check.randn(REF, r, bt, n, k), Check.randn(REF, r, bt, n, m), new int[]{k, m}, acc, r, seed,
                        x -> x.transpose(1, 2), x -> x);
                check("reduce batch, shared b " + dims, Check.randn(REF, r, bt, k, n), Check.randn(REF, r, n, m), new int[]{k, m}, acc, r,
                        seed, x -> x, x -> x);
                // two batch axes, one of them permuted
                check("two batch axes permuted " + dims, Check.randn(REF, r, 3, 2, n, k), Check.randn(REF, r, 2, 3, m, k),
                        new int[]{2, 3, n, m}, acc, r, seed, x -> x.permute(1, 0, 2, 3), x -> x.transpose(2, 3));
            }
        }
    }

    @Test void emptyBatchAndZeroInner() {
        for (String kernel : KERNELS) {
            ocl.matmulKernel(kernel);
            OpenClMatmulTest.kernel = kernel;
            emptyBatchAndZeroInnerCase();
        }
    }

    private void emptyBatchAndZeroInnerCase() {
        try (Scope s = Scope.open()) {
            Tensor a = ocl.empty(DType.F32, 0, 3, 4), b = ocl.empty(DType.F32, 0, 4, 5), out = up(ocl, Check.randn(REF, new Random(1), 3, 5));
            ocl.matmul(a, b, out, false);
            Check.close("reduce over an empty batch gives zeros", REF.fromHost(new float[15], 3, 5), ocl.toHost(out), 0);
            Tensor a0 = ocl.empty(DType.F32, 3, 0), b0 = ocl.empty(DType.F32, 0, 5), o0 = ocl.empty(DType.F32, 3, 5);
            ocl.matmul(a0, b0, o0, false);
            Check.close("k = 0 gives zeros", REF.fromHost(new float[15], 3, 5), ocl.toHost(o0), 0);
        }
    }
}
