package dev.groklab.walkers;

import dev.groklab.backend.cpu.Parallel;
import dev.groklab.rng.PhiloxNormals;

/**
 * The scalar reference for {@link LangevinStep}: one walker at a time, the float32 sequence of
 * {@link PotentialForm#gradient} and {@link PhiloxNormals#stepPair}. The SIMD kernel must match it to
 * fp32 tolerance (their log/sin/cos differ in the last bits, so not bit for bit).
 */
public final class BrownianKernelReference implements LangevinKernel {
    public static final BrownianKernelReference INSTANCE = new BrownianKernelReference();

    @Override public String name() { return "scalar"; }

    @Override public void advance(LangevinStep step, Walkers w, int stepFrom, int steps) {
        checkSteps(stepFrom, steps);
        Parallel.rangeStealing(w.n, 64, (from, to) -> range(step, w, from, to, stepFrom, steps));
    }

    static void checkSteps(int stepFrom, int steps) {
        if (stepFrom < 0 || steps < 0 || (long) stepFrom + steps > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--steps must keep step numbers in 0.." + Integer.MAX_VALUE);
        }
    }

    /** Walkers [from, to), serially. */
    static void range(LangevinStep st, Walkers w, int from, int to, int stepFrom, int steps) {
        PotentialForm f = st.form();
        Domain dom = st.domain();
        float dt = st.dt(), sigma = st.sigma(), beta = st.beta(), gw = st.gradWeight();
        boolean momentum = beta != 0;
        int seed = st.seed();
        int[] b = new int[4];
        float[] g = new float[2], z = new float[2];
        for (int i = from; i < to; i++) {
            float x0 = w.x0[i], x1 = w.x1[i], v0 = w.p0[i], v1 = w.p1[i];
            for (int s = stepFrom; s < stepFrom + steps; s++) {
                PhiloxNormals.stepPair(seed, Streams.NOISE, i, s, b, z, 0);
                float z0 = z[0], z1 = z[1];
                f.gradient(x0, x1, g);
                if (momentum) {
                    v0 = Math.fma(beta, v0, gw * g[0]);
                    v1 = Math.fma(beta, v1, gw * g[1]);
                } else {
                    v0 = -g[0];
                    v1 = -g[1];
                }
                x0 = dom.wrap(Math.fma(sigma, z0, Math.fma(dt, v0, x0)));
                x1 = dom.wrap(Math.fma(sigma, z1, Math.fma(dt, v1, x1)));
            }
            w.x0[i] = x0;
            w.x1[i] = x1;
            if (momentum) {
                w.p0[i] = v0;
                w.p1[i] = v1;
            }
        }
    }
}
