package dev.groklab.optim;

import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.nn.Params;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HMC over an ensemble's parameters, on a Gaussian target whose variance is known. */
class HmcSamplerTest {
    private final Backend be = Backends.cpu();
    private static final int MODELS = 4, DIM = 64;

    /** U(x) = Σ x²/(2σ²) per model: the target exp(−U) is N(0, σ²) in every coordinate. */
    private static HmcSampler.Potential gaussian(Params p, double sigma) {
        return () -> {
            Var x = p.get("x");
            Var u = Ops.mulScalar(Ops.sum(Ops.square(x), false, 1), 1 / (2 * sigma * sigma));
            Ops.sumAll(u).backward();
            float[] h = u.value().toFloatArray();
            double[] out = new double[h.length];
            for (int i = 0; i < h.length; i++) out[i] = h[i];
            return out;
        };
    }

    private Params start() {
        Params p = new Params();
        Tensor x = be.empty(DType.F32, MODELS, DIM);
        be.fill(x, 0);
        p.add("x", x);
        return p;
    }

    private static long[] seeds() {
        long[] s = new long[MODELS];
        for (int i = 0; i < MODELS; i++) s[i] = 10 + i;
        return s;
    }

    private static float[] eps(float e) {
        float[] v = new float[MODELS];
        java.util.Arrays.fill(v, e);
        return v;
    }

    @Test void recoversTheVarianceOfAGaussian() {
        double sigma = 0.7;
        int burn = 50, steps = 1500;
        double sq = 0;
        long n = 0, accepted = 0;
        try (Scope s = Scope.open()) {
            Params p = start();
            HmcSampler hmc = new HmcSampler(p, seeds(), 5);
            for (int t = 1; t <= burn + steps; t++) {
                try (Scope step = Scope.open()) {
                    HmcSampler.Result r = hmc.step(gaussian(p, sigma), t, eps(0.3f));
                    if (t > burn) accepted += r.acceptedCount();
                }
                if (t > burn) {
                    for (float v : p.get("x").value().toFloatArray()) { sq += (double) v * v; n++; }
                }
            }
        }
        double variance = sq / n, rate = accepted / (double) (MODELS * steps);
        System.out.printf("HMC over parameters: variance %.4f (target %.4f), acceptance %.3f%n", variance, sigma * sigma, rate);
        assertEquals(sigma * sigma, variance, 0.04 * sigma * sigma, "variance");
        assertTrue(rate > 0.6 && rate < 0.99, "acceptance " + rate);
    }

    @Test void hugeStepsAreRejectedAndLeaveTheWeights() {
        try (Scope s = Scope.open()) {
            Params p = start();
            HmcSampler hmc = new HmcSampler(p, seeds(), 5);
            long accepted = 0;
            for (int t = 1; t <= 20; t++) {
                float[] before = p.get("x").value().toFloatArray();
                try (Scope step = Scope.open()) {
                    HmcSampler.Result r = hmc.step(gaussian(p, 0.7), t, eps(5f));
                    accepted += r.acceptedCount();
                    float[] after = p.get("x").value().toFloatArray();
                    for (int m = 0; m < MODELS; m++) {
                        if (!r.accepted()[m]) {
                            assertArrayEquals(java.util.Arrays.copyOfRange(before, m * DIM, (m + 1) * DIM),
                                    java.util.Arrays.copyOfRange(after, m * DIM, (m + 1) * DIM), 0f, "rejected model " + m + " moved");
                        }
                    }
                }
            }
            assertTrue(accepted <= 2, "accepted " + accepted + " of " + 20 * MODELS + " proposals with a step of 5σ-scale");
        }
    }
}
