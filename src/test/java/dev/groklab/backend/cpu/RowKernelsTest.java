package dev.groklab.backend.cpu;

import dev.groklab.backend.ScalarOp;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RowKernelsTest {
    private static final CpuBackend CPU = CpuBackend.get();
    private static final ReferenceBackend REF = new ReferenceBackend();
    private static final double RTOL = 2e-5;

    /** [rows, cols] with odd sizes, a single element, a wide row and one large enough to split. */
    private static final int[][] SHAPES = {{1, 1}, {1, 7}, {7, 13}, {33, 127}, {13, 1}, {5, 1001}, {301, 257}, {3, 5, 33}};

    private static Tensor logits(Random r, double scale, int... shape) {
        Tensor t = Check.randn(CPU, r, shape);
        CPU.scalar(ScalarOp.MUL, t, scale, t);
        return t;
    }

    private static String what(String op, int[] shape, long seed) {
        return op + " " + Arrays.toString(shape) + " (seed " + seed + ")";
    }

    @Test void softmaxAndLogSoftmax() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (int[] shape : SHAPES) {
                for (double scale : new double[]{1, 30}) {
                    Tensor x = logits(r, scale, shape);
                    Tensor e = Check.empty(CPU, shape), g = Check.empty(CPU, shape);
                    REF.softmax(x, e);
                    assertTrue(RowKernels.softmax(x, g));
                    Check.close(what("softmax x" + scale, shape, seed), e, g, RTOL);
                    Check.closeEach(what("softmax elementwise x" + scale, shape, seed), e, g, 1e-4, 1e-30);

                    REF.logSoftmax(x, e);
                    assertTrue(RowKernels.logSoftmax(x, g));
                    Check.close(what("logSoftmax x" + scale, shape, seed), e, g, RTOL);
                    Check.closeEach(what("logSoftmax elementwise x" + scale, shape, seed), e, g, 1e-4, 1e-6);
                }
            }
            Tensor x = logits(r, 1, 33, 65);
            Tensor e = Check.empty(CPU, 33, 65);
            REF.softmax(x, e);
            assertTrue(RowKernels.softmax(x, x));
            Check.close("softmax in place (seed " + seed + ")", e, x, RTOL);
            assertFalse(RowKernels.softmax(logits(r, 1, 9, 7).transpose(0, 1), Check.empty(CPU, 7, 9)));
        }
    }

    @Test void softmaxBackwards() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (int[] shape : SHAPES) {
                Tensor x = logits(r, 2, shape), y = Check.empty(CPU, shape), gy = Check.randn(CPU, r, shape);
                Tensor e = Check.empty(CPU, shape), g = Check.empty(CPU, shape);
                REF.softmax(x, y);
                REF.softmaxBackward(y, gy, e);
                assertTrue(RowKernels.softmaxBackward(y, gy, g));
                Check.close(what("softmaxBackward", shape, seed), e, g, RTOL);

                REF.logSoftmax(x, y);
                REF.logSoftmaxBackward(y, gy, e);
                assertTrue(RowKernels.logSoftmaxBackward(y, gy, g));
                Check.close(what("logSoftmaxBackward", shape, seed), e, g, RTOL);
            }
        }
    }

    @Test void crossEntropyForwardAndBackward() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        // rows, classes, targets (T divides rows: one target vector shared by every model)
        int[][] cases = {{1, 1, 1}, {1, 7, 1}, {12, 13, 4}, {33, 127, 33}, {301, 257, 43}, {15, 97, 5}, {7, 1001, 7}};
        try (Scope s = Scope.open()) {
            for (int[] c : cases) {
                for (double scale : new double[]{1, 20}) {
                    int rows = c[0], classes = c[1];
                    Tensor x = logits(r, scale, rows, classes);
                    Tensor t = Check.randint(CPU, r, classes, c[2]);
                    checkCrossEntropy(what("crossEntropy x" + scale, c, seed), x, t, r);
                }
            }
        }
    }

    private static void checkCrossEntropy(String what, Tensor x, Tensor t, Random r) {
        int rows = x.dim(0);
        Tensor le = Check.empty(CPU, rows), ee = Check.empty(CPU, rows), lg = Check.empty(CPU, rows), eg = Check.empty(CPU, rows);
        REF.crossEntropy(x, t, le, ee);
        assertTrue(RowKernels.crossEntropy(x, t, lg, eg));
        Check.closeEach(what + " loss", le, lg, 1e-4, 1e-6);
        Check.closeEach(what + " lse", ee, eg, 1e-5, 1e-6);

        Tensor gLoss = Check.randn(CPU, r, rows);
        Tensor e = Check.empty(CPU, x.shape()), g = Check.empty(CPU, x.shape());
        REF.crossEntropyBackward(x, t, ee, gLoss, e);
        assertTrue(RowKernels.crossEntropyBackward(x, t, ee, gLoss, g));
        Check.close(what + " backward", e, g, RTOL);
    }

    @Test void crossEntropyOfConfidentRowsKeepsSmallLosses() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            int rows = 64, classes = 113;
            Tensor x = logits(r, 1, rows, classes);
            int[] t = new int[rows];
            for (int i = 0; i < rows; i++) {
                t[i] = r.nextInt(classes);
                // target logit 12..22 above the rest: losses from about 1e-3 down to 1e-8
                x.setDouble((long) i * classes + t[i], 15 + 10 * r.nextDouble());
            }
            Tensor tt = CPU.fromHost(t, rows);
            Tensor le = Check.empty(CPU, rows), ee = Check.empty(CPU, rows), lg = Check.empty(CPU, rows), eg = Check.empty(CPU, rows);
            REF.crossEntropy(x, tt, le, ee);
            assertTrue(RowKernels.crossEntropy(x, tt, lg, eg));
            Check.closeEach("confident loss (seed " + seed + ")", le, lg, 1e-4, 0);
            Tensor gLoss = Check.uniform(CPU, r, 0.5, 1.5, rows);
            Tensor e = Check.empty(CPU, rows, classes), g = Check.empty(CPU, rows, classes);
            REF.crossEntropyBackward(x, tt, ee, gLoss, e);
            assertTrue(RowKernels.crossEntropyBackward(x, tt, ee, gLoss, g));
            Check.closeEach("confident gradient (seed " + seed + ")", e, g, 1e-4, 1e-12);
        }
    }

    @Test void crossEntropyRejectsBadTargets() {
        try (Scope s = Scope.open()) {
            Tensor x = Check.randn(CPU, new Random(1), 4, 5);
            Tensor bad = CPU.fromHost(new int[]{0, 5}, 2);
            Tensor loss = Check.empty(CPU, 4), lse = Check.empty(CPU, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CPU.crossEntropy(x, bad, loss, lse));
            assertTrue(e.getMessage().contains("crossEntropy") && e.getMessage().contains("target 5"), e.getMessage());
            Tensor neg = CPU.fromHost(new int[]{-1, 2}, 2);
            assertThrows(IllegalArgumentException.class, () -> CPU.crossEntropyBackward(x, neg, lse, loss, Check.empty(CPU, 4, 5)));
        }
    }

    @Test void layerNormWithGroups() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        // rows, cols, groups
        int[][] cases = {{1, 1, 1}, {1, 7, 1}, {21, 33, 3}, {13, 127, 13}, {301, 257, 7}, {64, 13, 1}, {9, 1001, 3}};
        try (Scope s = Scope.open()) {
            for (int[] c : cases) {
                int rows = c[0], cols = c[1], g = c[2];
                Tensor x = Check.randn(CPU, r, rows, cols);
                CPU.scalar(ScalarOp.ADD, x, 3, x);
                Tensor gamma = g == 1 && r.nextBoolean() ? Check.randn(CPU, r, cols) : Check.randn(CPU, r, g, cols);
                Tensor beta = Check.randn(CPU, r, gamma.shape());
                double eps = 1e-5;
                Tensor oe = Check.empty(CPU, rows, cols), og = Check.empty(CPU, rows, cols);
                Tensor me = Check.empty(CPU, rows), mg = Check.empty(CPU, rows), re = Check.empty(CPU, rows), rg = Check.empty(CPU, rows);
                REF.layerNorm(x, gamma, beta, eps, oe, me, re);
                assertTrue(RowKernels.layerNorm(x, gamma, beta, eps, og, mg, rg));
                String w = what("layerNorm g" + g, c, seed);
                Check.close(w + " out", oe, og, RTOL);
                Check.close(w + " mean", me, mg, RTOL);
                Check.close(w + " rstd", re, rg, 1e-4);

                Tensor gy = Check.randn(CPU, r, rows, cols);
                Tensor gxe = Check.empty(CPU, rows, cols), gxg = Check.empty(CPU, rows, cols);
                Tensor ggInit = Check.randn(CPU, r, gamma.shape()), gbInit = Check.randn(CPU, r, gamma.shape());
                Tensor gge = Check.copyOf(CPU, ggInit), ggg = Check.copyOf(CPU, ggInit);
                Tensor gbe = Check.copyOf(CPU, gbInit), gbg = Check.copyOf(CPU, gbInit);
                REF.layerNormBackward(x, gamma, me, re, gy, gxe, gge, gbe);
                assertTrue(RowKernels.layerNormBackward(x, gamma, me, re, gy, gxg, ggg, gbg));
                Check.close(w + " gx", gxe, gxg, 1e-4);
                Check.close(w + " gGamma (accumulated)", gge, ggg, 1e-4);
                Check.close(w + " gBeta (accumulated)", gbe, gbg, 1e-4);
            }
        }
    }

    @Test void layerNormEnsembleShape() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            // [M, B, T, D] activations of 3 models, one gamma/beta row per model
            Tensor x = Check.randn(CPU, r, 3, 17, 3, 65);
            Tensor gamma = Check.randn(CPU, r, 3, 65), beta = Check.randn(CPU, r, 3, 65);
            Tensor oe = Check.empty(CPU, 3, 17, 3, 65), og = Check.empty(CPU, 3, 17, 3, 65);
            Tensor me = Check.empty(CPU, 153), mg = Check.empty(CPU, 153), re = Check.empty(CPU, 153), rg = Check.empty(CPU, 153);
            REF.layerNorm(x, gamma, beta, 1e-5, oe, me, re);
            assertTrue(RowKernels.layerNorm(x, gamma, beta, 1e-5, og, mg, rg));
            Check.close("ensemble layerNorm (seed " + seed + ")", oe, og, RTOL);
            Tensor gy = Check.randn(CPU, r, 3, 17, 3, 65);
            Tensor gxe = Check.empty(CPU, x.shape()), gxg = Check.empty(CPU, x.shape());
            Tensor gge = Check.zerosLike(CPU, gamma), ggg = Check.zerosLike(CPU, gamma), gbe = Check.zerosLike(CPU, gamma), gbg = Check.zerosLike(CPU, gamma);
            REF.layerNormBackward(x, gamma, me, re, gy, gxe, gge, gbe);
            assertTrue(RowKernels.layerNormBackward(x, gamma, me, re, gy, gxg, ggg, gbg));
            Check.close("ensemble gx (seed " + seed + ")", gxe, gxg, 1e-4);
            Check.close("ensemble gGamma (seed " + seed + ")", gge, ggg, 1e-4);
            Check.close("ensemble gBeta (seed " + seed + ")", gbe, gbg, 1e-4);
        }
    }
}
