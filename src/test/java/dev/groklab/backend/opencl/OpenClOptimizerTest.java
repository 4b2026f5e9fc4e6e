package dev.groklab.backend.opencl;

import dev.groklab.backend.AdamStep;
import dev.groklab.backend.SgdStep;
import dev.groklab.backend.ScalarOp;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.groklab.backend.opencl.OpenClTesting.REF;
import static dev.groklab.backend.opencl.OpenClTesting.up;

/** Fused AdamW and SGD steps on ensembles with per-model learning rates and weight decays. */
class OpenClOptimizerTest {
    private static OpenClBackend ocl;

    @BeforeAll static void open() { ocl = OpenClTesting.backend(); }

    private static float[] positive(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (scale * (0.2 + r.nextDouble()));
        return v;
    }

    @Test void adamwEnsembles() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        int[][] shapes = {{1, 1}, {3, 7, 33}, {5, 127}, {2, 17, 3, 5}};
        try (Scope s = Scope.open()) {
            for (int[] shape : shapes) {
                int models = shape[0];
                for (int step : new int[]{1, 7}) {
                    for (boolean toInit : new boolean[]{false, true}) {
                        String w = java.util.Arrays.toString(shape) + " step " + step + (toInit ? " toward init" : "") + " (seed " + seed + ")";
                        Tensor p = Check.randn(REF, r, shape), g = Check.randn(REF, r, shape), m = Check.randn(REF, r, shape);
                        Tensor v = Check.uniform(REF, r, 0.01, 2, shape), t = Check.randn(REF, r, shape);
                        REF.scalar(ScalarOp.MUL, m, 0.1, m);
                        AdamStep h = new AdamStep(positive(r, models, 1e-2), positive(r, models, 1), 0.9f, 0.98f, 1e-8f, step);
                        Tensor dp = up(ocl, p), dm = up(ocl, m), dv = up(ocl, v);
                        REF.adamw(p, g, m, v, toInit ? t : null, h);
                        ocl.adamw(dp, up(ocl, g), dm, dv, toInit ? up(ocl, t) : null, h);
                        // A single parameter can cancel to near 0: bound errors by the terms' scale (p0 ~ 1
                        // moved by ~1e-2; m = 0.9·m0 + 0.1·g with both ~0.1).
                        Check.close("adamw p " + w, p, ocl.toHost(dp), 1e-5, 1e-2);
                        Check.close("adamw m " + w, m, ocl.toHost(dm), 1e-5, 0.1);
                        Check.close("adamw v " + w, v, ocl.toHost(dv), 1e-5);
                    }
                }
            }
        }
    }

    @Test void sgdVariants() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (int[] shape : new int[][]{{1, 1}, {3, 7, 33}, {4, 65}}) {
                int models = shape[0];
                for (float momentum : new float[]{0f, 0.9f}) {
                    for (boolean nesterov : new boolean[]{false, true}) {
                        for (int step : new int[]{1, 3}) {
                            boolean toInit = r.nextBoolean();
                            String w = java.util.Arrays.toString(shape) + " momentum " + momentum + (nesterov ? " nesterov" : "")
                                    + " step " + step + (toInit ? " toward init" : "") + " (seed " + seed + ")";
                            Tensor p = Check.randn(REF, r, shape), g = Check.randn(REF, r, shape), b = Check.randn(REF, r, shape);
                            Tensor t = Check.randn(REF, r, shape);
                            SgdStep h = new SgdStep(positive(r, models, 0.1), positive(r, models, 0.5), momentum, 0.1f, nesterov, step);
                            Tensor dp = up(ocl, p), db = up(ocl, b);
                            REF.sgd(p, g, momentum == 0 ? null : b, toInit ? t : null, h);
                            ocl.sgd(dp, up(ocl, g), momentum == 0 ? null : db, toInit ? up(ocl, t) : null, h);
                            // p0 ~ 1 moved by ~0.1; buf = 0.9·b + g + ... with unit terms (see adamwEnsembles)
                            Check.close("sgd p " + w, p, ocl.toHost(dp), 1e-5, 0.1);
                            if (momentum != 0) Check.close("sgd buf " + w, b, ocl.toHost(db), 1e-5, 1);
                        }
                    }
                }
            }
        }
    }
}
