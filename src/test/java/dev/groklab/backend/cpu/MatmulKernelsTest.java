package dev.groklab.backend.cpu;

import dev.groklab.backend.MatmulPlan;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MatmulKernelsTest {
    private static final CpuBackend CPU = CpuBackend.get();
    private static final ReferenceBackend REF = new ReferenceBackend();
    private static final double RTOL = 1e-4;
    private static final int MR = MatmulGemm.MR, NR = MatmulGemm.NR, L = MatmulGemm.L;

    /**
     * Compares the reference against the automatic choice and against both forced paths, each on
     * its own copy of the initial output (random, so accumulate and overwrite both show).
     */
    private static void check(String what, Tensor a, Tensor b, Tensor out0, boolean accumulate) {
        Tensor expected = Check.copyOf(CPU, out0);
        REF.matmul(a, b, expected, accumulate);
        Tensor auto = Check.copyOf(CPU, out0);
        CPU.matmul(a, b, auto, accumulate);
        // An output sums k unit-normal products (and its initial value); a lone one may cancel far
        // below the terms' scale √k + 1, which bounds its rounding.
        double terms = Math.sqrt(a.dim(-1)) + 1;
        Check.close(what + " auto", expected, auto, RTOL, terms);
        int[] paths = {MatmulKernels.PACKED, MatmulKernels.SMALL};
        String[] names = {"packed", "small"};
        for (int i = 0; i < paths.length; i++) {
            Tensor got = Check.copyOf(CPU, out0);
            assertTrue(MatmulKernels.matmul(MatmulPlan.of(a, b, got), a, b, got, accumulate, paths[i]));
            Check.close(what + " " + names[i], expected, got, RTOL, terms);
        }
    }

    /** [rows, cols], dense or as the transpose of a dense [cols, rows]. */
    private static Tensor matrix(Random r, boolean transposed, int rows, int cols) {
        return transposed ? Check.randn(CPU, r, cols, rows).transpose(-1, -2) : Check.randn(CPU, r, rows, cols);
    }

    private static void product(Random r, int m, int k, int n, boolean ta, boolean tb, boolean accumulate) {
        try (Scope s = Scope.open()) {
            Tensor a = matrix(r, ta, m, k), b = matrix(r, tb, k, n);
            String what = "[" + m + "x" + k + (ta ? "ᵀ" : "") + "]·[" + k + "x" + n + (tb ? "ᵀ" : "") + "]";
            check(what + (accumulate ? " acc" : ""), a, b, Check.randn(CPU, r, m, n), accumulate);
        }
    }

    @Test void tinyAndTileEdges() {
        Random r = Check.rng();
        product(r, 1, 1, 1, false, false, false);
        product(r, 1, 1, 1, true, true, true);
        int[] rows = {1, MR - 1, MR, MR + 1, 2 * MR + 1, MatmulGemm.MC + 1};
        int[] cols = {1, L - 1, L + 1, NR - 1, NR, NR + 1, 2 * NR + 3};
        int[] ks = {1, 3, 17, MatmulGemm.KC - 1, MatmulGemm.KC + 1};
        for (int m : rows) for (int n : cols) {
            int k = ks[r.nextInt(ks.length)];
            product(r, m, k, n, r.nextBoolean(), r.nextBoolean(), r.nextBoolean());
        }
    }

    @Test void randomOddShapesAndLayouts() {
        Random r = Check.rng();
        // The double-precision reference dominates the run time: a dozen products.
        for (int i = 0; i < 12; i++) {
            int m = Check.odd(r, 1, 200), k = Check.odd(r, 1, 300), n = Check.odd(r, 1, 200);
            product(r, m, k, n, r.nextBoolean(), r.nextBoolean(), r.nextBoolean());
        }
    }

    @Test void largeEnoughToSplitAcrossThreads() {
        Random r = Check.rng();
        // Past the parallel threshold, split by rows, by columns, and over a K longer than one block.
        product(r, 157, 131, 113, false, false, false);
        product(r, 21, 271, 301, true, false, true);
        product(r, 97, 67, 131, false, true, false);
        // Few rows, many columns: the unpacked kernels split by columns.
        product(r, 3, 401, 701, false, false, false);
        product(r, 2, 501, 601, true, true, true);
    }

    @Test void slicedViews() {
        Random r = Check.rng();
        for (int i = 0; i < 6; i++) {
            try (Scope s = Scope.open()) {
                int m = Check.odd(r, 1, 90), k = Check.odd(r, 1, 120), n = Check.odd(r, 1, 90);
                // Rows and columns cut out of larger tensors: row strides exceed the widths.
                Tensor a = Check.randn(CPU, r, m + 4, k + 5).slice(0, 3, 3 + m).slice(1, 2, 2 + k);
                Tensor b = Check.randn(CPU, r, n + 3, k + 7).slice(1, 5, 5 + k).slice(0, 1, 1 + n).transpose(0, 1);
                check("sliced " + m + "x" + k + "x" + n, a, b, Check.randn(CPU, r, m, n), r.nextBoolean());
            }
        }
    }

    @Test void batched() {
        Random r = Check.rng();
        for (int i = 0; i < 8; i++) {
            try (Scope s = Scope.open()) {
                int bt = Check.odd(r, 1, 9), m = Check.odd(r, 1, 70), k = Check.odd(r, 1, 70), n = Check.odd(r, 1, 70);
                Tensor a = r.nextBoolean() ? Check.randn(CPU, r, bt, m, k) : Check.randn(CPU, r, bt, k, m).transpose(-1, -2);
                Tensor b = r.nextBoolean() ? Check.randn(CPU, r, bt, k, n) : Check.randn(CPU, r, bt, n, k).transpose(-1, -2);
                boolean acc = r.nextBoolean();
                check("batched " + bt, a, b, Check.randn(CPU, r, bt, m, n), acc);
                // Shared rank-2 operands on either side.
                Tensor b2 = matrix(r, r.nextBoolean(), k, n), a2 = matrix(r, r.nextBoolean(), m, k);
                check("shared b " + bt, a, b2, Check.randn(CPU, r, bt, m, n), acc);
                check("shared a " + bt, a2, b, Check.randn(CPU, r, bt, m, n), acc);
            }
        }
    }

    /**
     * An ensemble's products (a few large ones, as many as or a multiple of the cores): each
     * model's product, bit for bit, is what the same product gives alone.
     */
    @Test void fewLargeBatchesMatchEachProductAlone() {
        Random r = Check.rng();
        for (int bt : new int[]{2, 3, 4}) {
            try (Scope s = Scope.open()) {
                int m = 300, k = 130, n = 140;
                boolean ta = r.nextBoolean(), tb = r.nextBoolean(), acc = r.nextBoolean();
                Tensor a = ta ? Check.randn(CPU, r, bt, k, m).transpose(-1, -2) : Check.randn(CPU, r, bt, m, k);
                Tensor b = tb ? Check.randn(CPU, r, bt, n, k).transpose(-1, -2) : Check.randn(CPU, r, bt, k, n);
                Tensor out0 = Check.randn(CPU, r, bt, m, n);
                check("ensemble " + bt, a, b, out0, acc);
                Tensor together = Check.copyOf(CPU, out0);
                CPU.matmul(a, b, together, acc);
                float[] all = CPU.toHost(together).toFloatArray();
                for (int t = 0; t < bt; t++) {
                    // A batch of one: the path a single model takes.
                    Tensor alone = Check.copyOf(CPU, out0.slice(0, t, t + 1));
                    CPU.matmul(a.slice(0, t, t + 1), b.slice(0, t, t + 1), alone, acc);
                    float[] one = CPU.toHost(alone).toFloatArray();
                    for (int i = 0; i < one.length; i++) {
                        assertEquals(Float.floatToRawIntBits(one[i]), Float.floatToRawIntBits(all[t * one.length + i]),
                                "batch " + t + " of " + bt + " element " + i);
                    }
                }
            }
        }
    }

    @Test void manyTinyBatchesAndFourDimensional() {
        Random r = Check.rng();
        try (Scope s = Scope.open()) {
            // Attention-like [B·H, T, D]·[D, T] products and per-model weights [M, rows, k]·[M, k, n].
            check("tiny batches", Check.randn(CPU, r, 301, 3, 33), Check.randn(CPU, r, 33, 3),
                    Check.randn(CPU, r, 301, 3, 3), false);
            check("tiny batches acc", Check.randn(CPU, r, 301, 3, 33), Check.randn(CPU, r, 301, 3, 33).transpose(-1, -2),
                    Check.randn(CPU, r, 301, 3, 3), true);
            check("4-d", Check.randn(CPU, r, 3, 5, 41, 29), Check.randn(CPU, r, 3, 5, 29, 23),
                    Check.randn(CPU, r, 3, 5, 41, 23), false);
            check("models", Check.randn(CPU, r, 3, 97, 65), Check.randn(CPU, r, 3, 65, 131),
                    Check.randn(CPU, r, 3, 97, 131), true);
        }
    }

    @Test void reduceBatch() {
        Random r = Check.rng();
        for (int i = 0; i < 8; i++) {
            try (Scope s = Scope.open()) {
                int bt = Check.odd(r, 1, 11), m = Check.odd(r, 1, 60), k = Check.odd(r, 1, 90), n = Check.odd(r, 1, 60);
                // Weight gradient of a shared weight: Σ_b x_bᵀ · g_b.
                Tensor x = Check.randn(CPU, r, bt, k, m).transpose(-1, -2);
                Tensor g = r.nextBoolean() ? Check.randn(CPU, r, bt, k, n) : Check.randn(CPU, r, bt, n, k).transpose(-1, -2);
                check("reduce " + bt + " " + m + "x" + k + "x" + n, x, g, Check.randn(CPU, r, m, n), r.nextBoolean());
                check("reduce shared a", matrix(r, r.nextBoolean(), m, k), g, Check.randn(CPU, r, m, n), r.nextBoolean());
            }
        }
        try (Scope s = Scope.open()) {
            // K segments shorter than a kc block, so blocks straddle batch boundaries.
            check("reduce long", Check.randn(CPU, r, 97, 31, 5).transpose(-1, -2), Check.randn(CPU, r, 97, 31, 37),
                    Check.randn(CPU, r, 5, 37), false);
            check("reduce wide", Check.randn(CPU, r, 7, 41, 50), Check.randn(CPU, r, 7, 50, 45),
                    Check.randn(CPU, r, 41, 45), true);
        }
    }

    @Test void emptyInnerAxisZeroesOrKeepsOutput() {
        Random r = Check.rng();
        try (Scope s = Scope.open()) {
            Tensor a = Check.randn(CPU, r, 5, 4).slice(1, 0, 0), b = Check.randn(CPU, r, 4, 7).slice(0, 0, 0);
            check("k=0", a, b, Check.randn(CPU, r, 5, 7), false);
            check("k=0 acc", a, b, Check.randn(CPU, r, 5, 7), true);
        }
    }
}
