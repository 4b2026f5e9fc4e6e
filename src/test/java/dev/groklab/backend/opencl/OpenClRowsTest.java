package dev.groklab.backend.opencl;

import dev.groklab.backend.ScalarOp;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static dev.groklab.backend.opencl.OpenClTesting.REF;
import static dev.groklab.backend.opencl.OpenClTesting.up;

/** Softmax, log-softmax, fused cross-entropy and layer norm (with [G, C] groups) against the reference. */
class OpenClRowsTest {
    private static OpenClBackend ocl;
    private static final double RTOL = 2e-5;
    private static final int[][] SHAPES = {{1, 1}, {1, 7}, {7, 13}, {33, 127}, {13, 1}, {5, 1001}, {301, 257}, {3, 5, 33}};

    @BeforeAll static void open() { ocl = OpenClTesting.backend(); }

    private static Tensor logits(Random r, double scale, int... shape) {
        Tensor t = Check.randn(REF, r, shape);
        REF.scalar(ScalarOp.MUL, t, scale, t);
        return t;
    }

    private static String at(String op, int[] shape, long seed) { return op + " " + Arrays.toString(shape) + " (seed " + seed + ")"; }

    @Test void softmaxLogSoftmaxAndBackwards() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (int[] shape : SHAPES) {
                for (double scale : new double[]{1, 30}) {
                    Tensor x = logits(r, scale, shape), dx = up(ocl, x);
                    Tensor e = REF.empty(DType.F32, shape), a = ocl.empty(DType.F32, shape);
                    REF.softmax(x, e);
                    ocl.softmax(dx, a);
                    Check.close(at("softmax x" + scale, shape, seed), e, ocl.toHost(a), RTOL);
                    // Backwards get the same y on both sides, and only moderate logits: for one-hot rows
                    // every gradient is a float32 cancellation (gy - sum(gy * y)) far below the scale.
                    boolean backward = scale == 1;
                    Tensor gy = Check.randn(REF, r, shape), ge = REF.empty(DType.F32, shape), ga = ocl.empty(DType.F32, shape);
                    if (backward) {
                        REF.softmaxBackward(e, gy, ge);
                        ocl.softmaxBackward(up(ocl, e), up(ocl, gy), ga);
                        Check.close(at("softmaxBackward", shape, seed), ge, ocl.toHost(ga), 1e-4);
                    }

                    REF.logSoftmax(x, e);
                    ocl.logSoftmax(dx, a);
                    Check.close(at("logSoftmax x" + scale, shape, seed), e, ocl.toHost(a), RTOL);
                    if (backward) {
                        REF.logSoftmaxBackward(e, gy, ge);
                        ocl.logSoftmaxBackward(up(ocl, e), up(ocl, gy), ga);
                        Check.close(at("logSoftmaxBackward", shape, seed), ge, ocl.toHost(ga), 1e-4);
                    }
                }
            }
            Tensor x = logits(r, 1, 33, 65), dx = up(ocl, x), e = REF.empty(DType.F32, 33, 65);
            REF.softmax(x, e);
            ocl.softmax(dx, dx);
            Check.close("softmax in place (seed " + seed + ")", e, ocl.toHost(dx), RTOL);
            Tensor xt = logits(r, 1, 9, 7), et = REF.empty(DType.F32, 7, 9), at = ocl.empty(DType.F32, 7, 9);
            REF.softmax(xt.transpose(0, 1), et);
            ocl.softmax(up(ocl, xt).transpose(0, 1), at);
            Check.close("softmax of a transposed view (seed " + seed + ")", et, ocl.toHost(at), RTOL);
        }
    }

    @Test void crossEntropyForwardBackward() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        int[][] cases = {{1, 1, 1}, {7, 13, 7}, {33, 127, 11}, {4 * 65, 113, 65}, {5, 1001, 5}, {3 * 17, 3, 17}};
        try (Scope s = Scope.open()) {
            for (int[] c : cases) {
                int rows = c[0], cls = c[1], t = c[2];
                for (double scale : new double[]{1, 20}) {
                    Tensor x = logits(r, scale, rows, cls), targets = Check.randint(REF, r, cls, t);
                    Tensor dx = up(ocl, x), dt = up(ocl, targets);
                    Tensor le = REF.empty(DType.F32, rows), lse = REF.empty(DType.F32, rows);
                    Tensor la = ocl.empty(DType.F32, rows), lsa = ocl.empty(DType.F32, rows);
                    REF.crossEntropy(x, targets, le, lse);
                    ocl.crossEntropy(dx, dt, la, lsa);
                    Check.close(at("crossEntropy loss x" + scale, c, seed), le, ocl.toHost(la), RTOL);
                    Check.close(at("crossEntropy lse x" + scale, c, seed), lse, ocl.toHost(lsa), RTOL);
                    Tensor gl = Check.randn(REF, r, rows), ge = REF.empty(DType.F32, rows, cls), ga = ocl.empty(DType.F32, rows, cls);
                    Check.closeEach(at("crossEntropy loss elementwise x" + scale, c, seed), le, ocl.toHost(la), 1e-4, 1e-6);
                    REF.crossEntropyBackward(x, targets, lse, gl, ge);
                    ocl.crossEntropyBackward(dx, dt, up(ocl, lse), up(ocl, gl), ga);
                    Check.close(at("crossEntropyBackward x" + scale, c, seed), ge, ocl.toHost(ga), 1e-4);
                }
            }
        }
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
            Tensor tt = REF.fromHost(t, rows);
            Tensor le = REF.empty(DType.F32, rows), ee = REF.empty(DType.F32, rows);
            Tensor la = ocl.empty(DType.F32, rows), ea = ocl.empty(DType.F32, rows);
            REF.crossEntropy(x, tt, le, ee);
            ocl.crossEntropy(up(ocl, x), ocl.fromHost(t, rows), la, ea);
            Check.closeEach("confident loss (seed " + seed + ")", le, ocl.toHost(la), 1e-4, 0);
            Tensor gLoss = Check.uniform(REF, r, 0.5, 1.5, rows);
            Tensor e = REF.empty(DType.F32, rows, classes), g = ocl.empty(DType.F32, rows, classes);
            REF.crossEntropyBackward(x, tt, ee, gLoss, e);
            ocl.crossEntropyBackward(up(ocl, x), ocl.fromHost(t, rows), up(ocl, ee), up(ocl, gLoss), g);
            Check.closeEach("confident gradient (seed " + seed + ")", e, ocl.toHost(g), 1e-4, 1e-12);
        }
    }

    @Test void layerNormGroupsForwardBackward() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        int[][] cases = {{1, 1, 1}, {7, 13, 1}, {33, 127, 3}, {4 * 65, 33, 4}, {5, 1001, 5}, {65, 7, 13}};
        try (Scope s = Scope.open()) {
            for (int[] c : cases) {
                int rows = c[0], cols = c[1], g = c[2];
                Tensor x = Check.randn(REF, r, rows, cols), gamma = Check.randn(REF, r, g, cols), beta = Check.randn(REF, r, g, cols);
                REF.scalar(ScalarOp.ADD, x, 3, x);
                Tensor dx = up(ocl, x), dg = up(ocl, gamma), db = up(ocl, beta);
                Tensor e = REF.empty(DType.F32, rows, cols), me = REF.empty(DType.F32, rows), re = REF.empty(DType.F32, rows);
                Tensor a = ocl.empty(DType.F32, rows, cols), ma = ocl.empty(DType.F32, rows), ra = ocl.empty(DType.F32, rows);
                REF.layerNorm(x, gamma, beta, 1e-5, e, me, re);
                ocl.layerNorm(dx, dg, db, 1e-5, a, ma, ra);
                String w = Arrays.toString(c);
                Check.close("layerNorm " + w + " (seed " + seed + ")", e, ocl.toHost(a), 1e-4);
                Check.close("layerNorm mean " + w + " (seed " + seed + ")", me, ocl.toHost(ma), RTOL);
                Check.close("layerNorm rstd " + w + " (seed " + seed + ")", re, ocl.toHost(ra), 1e-4);
                Tensor gy = Check.randn(REF, r, rows, cols), gxe = REF.empty(DType.F32, rows, cols), gxa = ocl.empty(DType.F32, rows, cols);
                Tensor gg0 = Check.randn(REF, r, g, cols), gb0 = Check.randn(REF, r, g, cols);
                Tensor gge = Check.copyOf(REF, gg0), gbe = Check.copyOf(REF, gb0), gga = up(ocl, gg0), gba = up(ocl, gb0);
                REF.layerNormBackward(x, gamma, me, re, gy, gxe, gge, gbe);
                ocl.layerNormBackward(dx, dg, ma, ra, up(ocl, gy), gxa, gga, gba);
                Check.close("layerNormBackward gx " + w + " (seed " + seed + ")", gxe, ocl.toHost(gxa), 1e-4);
                Check.close("layerNormBackward gGamma " + w + " (seed " + seed + ")", gge, ocl.toHost(gga), 1e-4);
                Check.close("layerNormBackward gBeta " + w + " (seed " + seed + ")", gbe, ocl.toHost(gba), 1e-4);
            }
            // rank-1 parameters: one group
            Tensor x = Check.randn(REF, r, 7, 17), gamma = Check.randn(REF, r, 17), beta = Check.randn(REF, r, 17);
            Tensor e = REF.empty(DType.F32, 7, 17), me = REF.empty(DType.F32, 7), re = REF.empty(DType.F32, 7);
            Tensor a = ocl.empty(DType.F32, 7, 17), ma = ocl.empty(DType.F32, 7), ra = ocl.empty(DType.F32, 7);
            REF.layerNorm(x, gamma, beta, 1e-5, e, me, re);
            ocl.layerNorm(up(ocl, x), up(ocl, gamma), up(ocl, beta), 1e-5, a, ma, ra);
            Check.close("layerNorm [C] parameters (seed " + seed + ")", e, ocl.toHost(a), 1e-4);
        }
    }
}
