package dev.groklab.backend.cpu;

import dev.groklab.backend.AdamStep;
import dev.groklab.backend.SgdStep;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptimizerKernelsTest {
    private static final CpuBackend CPU = CpuBackend.get();
    private static final ReferenceBackend REF = new ReferenceBackend();

    private static AdamStep step(Random r, int models, int t) {
        float[] lr = new float[models], wd = new float[models];
        for (int i = 0; i < models; i++) {
            lr[i] = (float) (1e-3 * (1 + 9 * r.nextDouble()));
            wd[i] = i == 0 ? 0 : (float) r.nextDouble();     // one model without decay
        }
        return new AdamStep(lr, wd, 0.9f, 0.98f, 1e-8f, t);
    }

    /** Several steps from the same state on both backends, comparing p, m and v after each. */
    private static void run(String what, Random r, boolean toInit, int... shape) {
        int models = shape[0];
        Tensor p0 = Check.randn(CPU, r, shape);
        Tensor pe = Check.copyOf(CPU, p0), pg = Check.copyOf(CPU, p0);
        Tensor me = Check.zerosLike(CPU, p0), mg = Check.zerosLike(CPU, p0);
        Tensor ve = Check.zerosLike(CPU, p0), vg = Check.zerosLike(CPU, p0);
        Tensor target = toInit ? Check.randn(CPU, r, shape) : null;
        for (int t = 1; t <= 3; t++) {
            AdamStep h = step(r, models, t);
            Tensor g = Check.randn(CPU, r, shape);
            REF.adamw(pe, g, me, ve, target, h);
            assertTrue(OptimizerKernels.adamw(pg, g, mg, vg, target, h));
            String w = what + " " + Arrays.toString(shape) + (toInit ? " toward init" : "") + " step " + t;
            // m can cancel to far below the gradients' scale: absolute slack at that scale
            Check.closeEach(w + " m", me, mg, 1e-5, 1e-2);
            Check.close(w + " v", ve, vg, 1e-5);
            // p elementwise (a lone parameter can end near 0: slack at the step's scale)
            Check.closeEach(w + " p", pe, pg, 1e-5, 1e-3);
        }
    }

    @Test void matchesReferenceOnEnsembles() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        String w = "adamw (seed " + seed + ")";
        try (Scope s = Scope.open()) {
            int[][] shapes = {{1, 1}, {1, 7}, {2, 13}, {3, 7, 13}, {5, 33}, {4, 127, 3}, {3, 127, 257}, {2, 301, 257}};
            for (int[] shape : shapes) {
                run(w, r, false, shape);
                run(w, r, true, shape);
            }
        }
    }

    @Test void sgdMatchesReference() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            int[][] shapes = {{1, 1}, {2, 13}, {3, 7, 13}, {3, 127, 257}};
            float[][] settings = {{0, 0}, {0.9f, 0}, {0.9f, 0.1f}};     // momentum, dampening
            for (int[] shape : shapes) {
                boolean big = shape.length == 3 && shape[2] > 100;     // split across threads: one setting
                for (float[] st : settings) {
                    for (boolean nesterov : new boolean[]{false, true}) {
                        if (nesterov && st[0] == 0 || big && (st[1] == 0 || !nesterov)) continue;
                        for (boolean toInit : new boolean[]{false, true}) {
                            Tensor p0 = Check.randn(CPU, r, shape), target = toInit ? Check.randn(CPU, r, shape) : null;
                            Tensor pe = Check.copyOf(CPU, p0), pg = Check.copyOf(CPU, p0);
                            Tensor be = st[0] == 0 ? null : Check.zerosLike(CPU, p0), bg = st[0] == 0 ? null : Check.zerosLike(CPU, p0);
                            for (int t = 1; t <= 3; t++) {
                                AdamStep a = step(r, shape[0], t);
                                SgdStep h = new SgdStep(a.lr(), a.weightDecay(), st[0], st[1], nesterov, t);
                                Tensor g = Check.randn(CPU, r, shape);
                                REF.sgd(pe, g, be, target, h);
                                assertTrue(OptimizerKernels.sgd(pg, g, bg, target, h));
                                String w = "sgd " + Arrays.toString(shape) + " mu " + st[0] + " damp " + st[1] + (nesterov ? " nesterov" : "")
                                        + (toInit ? " toward init" : "") + " step " + t + " (seed " + seed + ")";
                                Check.closeEach(w + " p", pe, pg, 1e-5, 0.1);
                                if (be != null) Check.closeEach(w + " buf", be, bg, 1e-5, 0.1);   // g + wd·(p − c) is O(1) before it cancels
                            }
                        }
                    }
                }
            }
        }
    }

    @Test void stridedStateFallsBack() {
        try (Scope s = Scope.open()) {
            Random r = new Random(3);
            Tensor p = Check.randn(CPU, r, 7, 5).transpose(0, 1);
            Tensor g = Check.randn(CPU, r, 5, 7), m = Check.zerosLike(CPU, g), v = Check.zerosLike(CPU, g);
            assertFalse(OptimizerKernels.adamw(p, g, m, v, null, step(r, 5, 1)));
        }
    }
}
