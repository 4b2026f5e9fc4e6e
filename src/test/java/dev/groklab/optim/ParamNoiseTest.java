package dev.groklab.optim;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.nn.Params;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Weight and gradient noise: the right scale, independent per model and step, reproducible. */
class ParamNoiseTest {
    private final Backend be = Backends.cpu();
    private static final long[] SEEDS = {3, 4};

    private Params params() {
        Params p = new Params();
        Tensor a = be.empty(dev.groklab.tensor.DType.F32, 2, 50, 61), b = be.empty(dev.groklab.tensor.DType.F32, 2, 37);
        be.fill(a, 0.25);
        be.fill(b, -1);
        p.add("a", a);
        p.add("b", b);
        return p;
    }

    private static float[] flat(Params p, int model) {
        float[] a = p.get("a").value().toFloatArray(), b = p.get("b").value().toFloatArray();
        int pa = a.length / 2, pb = b.length / 2;
        float[] out = new float[pa + pb];
        System.arraycopy(a, model * pa, out, 0, pa);
        System.arraycopy(b, model * pb, out, pa, pb);
        return out;
    }

    private static float[] added(Params p, int model, float[] before) {
        float[] now = flat(p, model);
        for (int i = 0; i < now.length; i++) now[i] -= before[i];
        return now;
    }

    @Test void weightNoiseHasScaleSigmaAndDiffersPerModelAndStep() {
        double sigma = 0.03;
        try (Scope s = Scope.open()) {
            Params p = params();
            float[] b0 = flat(p, 0), b1 = flat(p, 1);
            ParamNoise.addToWeights(p, SEEDS, ParamNoise.WEIGHT_STREAM, 7, sigma);
            float[] n0 = added(p, 0, b0), n1 = added(p, 1, b1);
            for (float[] n : new float[][]{n0, n1}) {
                double sum = 0, sq = 0;
                for (float x : n) { sum += x; sq += (double) x * x; }
                double mean = sum / n.length, std = Math.sqrt(sq / n.length - mean * mean);
                assertEquals(sigma, std, 0.03 * sigma, "empirical std over " + n.length + " draws");
                assertEquals(0, mean, 4 * sigma / Math.sqrt(n.length), "mean");
            }
            assertFalse(java.util.Arrays.equals(n0, n1), "models with different seeds get the same noise");
            float[] c0 = flat(p, 0);
            ParamNoise.addToWeights(p, SEEDS, ParamNoise.WEIGHT_STREAM, 8, sigma);
            float[] next = added(p, 0, c0);
            double corr = 0;
            for (int i = 0; i < next.length; i++) corr += (double) next[i] * n0[i];
            corr /= next.length * sigma * sigma;
            assertTrue(Math.abs(corr) < 0.1, "steps 7 and 8 correlate: " + corr);
        }
    }

    @Test void sameSeedStepAndStreamGiveTheSameNoise() {
        try (Scope s = Scope.open()) {
            Params p = params();
            Map<String, Tensor> a = ParamNoise.normals(p, SEEDS, ParamNoise.GRAD_STREAM, 11, 0.5);
            Map<String, Tensor> b = ParamNoise.normals(p, SEEDS, ParamNoise.GRAD_STREAM, 11, 0.5);
            Map<String, Tensor> c = ParamNoise.normals(p, SEEDS, ParamNoise.WEIGHT_STREAM, 11, 0.5);
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), k);
                assertFalse(java.util.Arrays.equals(a.get(k).toFloatArray(), c.get(k).toFloatArray()), "streams must differ: " + k);
            }
        }
    }

    @Test void gradientNoiseIsAddedToGradients() {
        try (Scope s = Scope.open()) {
            Params p = params();
            float[] w = flat(p, 0);
            dev.groklab.autodiff.Ops.sumAll(dev.groklab.autodiff.Ops.mulScalar(p.get("a"), 0)).backward();
            ParamNoise.addToGradients(p, SEEDS, ParamNoise.GRAD_STREAM, 2, 1.5);
            float[] g = p.get("a").grad().toFloatArray();
            float[] expect = ParamNoise.normals(p, SEEDS, ParamNoise.GRAD_STREAM, 2, 1.5).get("a").toFloatArray();
            assertArrayEquals(expect, g, 0f);
            assertArrayEquals(w, flat(p, 0), 0f, "weights must not change");
            assertEquals(null, p.get("b").grad(), "a parameter without a gradient stays without one");
        }
    }
}
