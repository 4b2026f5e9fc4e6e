package dev.groklab.walkers;

import dev.groklab.backend.cpu.Parallel;
import dev.groklab.rng.Philox;
import dev.groklab.rng.PhiloxNormals;

import java.util.concurrent.atomic.LongAdder;

/**
 * Hamiltonian Monte Carlo, one independent chain per walker, targeting exp(−U/T). A proposal
 * draws momenta p ~ N(0, T·I) (unit mass), runs {@code leapfrogSteps} leapfrog steps of size
 * {@code h} (positions wrapped on the torus) and accepts with probability
 * min(1, exp(−ΔH/T)), H = U(x) + ‖p‖²/2.
 *
 * <p>Randomness: walker w's proposal s uses the block at counter (w, s) in stream
 * {@link Streams#HMC}: pair 0 (lanes 0, 1) → the momenta, uniform(lane 2) → the accept test.
 */
public record Hmc(PotentialForm form, Domain domain, float temperature, float h, int leapfrogSteps, int seed) {
    public Hmc {
        Validate.positive("--temperature", temperature);
        Validate.positive("--dt (the leapfrog step h)", h);
        Validate.positive("--leapfrog", leapfrogSteps);
    }

    /** Proposals proposalFrom .. proposalFrom + proposals − 1 for every walker; returns how many were accepted. */
    public long advance(Walkers w, int proposalFrom, int proposals) {
        BrownianKernelReference.checkSteps(proposalFrom, proposals);
        LongAdder accepted = new LongAdder();
        Parallel.rangeStealing(w.n, 16, (from, to) -> accepted.add(range(w, from, to, proposalFrom, proposals)));
        return accepted.sum();
    }

    private long range(Walkers w, int from, int to, int proposalFrom, int proposals) {
        float sqrtT = (float) Math.sqrt(temperature), half = 0.5f * h;
        int[] b = new int[4];
        float[] z = new float[2], g = new float[2];
        long accepted = 0;
        for (int i = from; i < to; i++) {
            float x0 = w.x0[i], x1 = w.x1[i];
            for (int s = proposalFrom; s < proposalFrom + proposals; s++) {
                Philox.block(i, 0, s, 0, seed, Streams.HMC, b);
                PhiloxNormals.pair(b[0], b[1], z, 0);
                float p0 = sqrtT * z[0], p1 = sqrtT * z[1];
                double h0 = form.value(x0, x1) + 0.5 * ((double) p0 * p0 + (double) p1 * p1);
                float y0 = x0, y1 = x1;
                form.gradient(y0, y1, g);
                p0 -= half * g[0];
                p1 -= half * g[1];
                for (int k = 0; k < leapfrogSteps; k++) {
                    y0 = domain.wrap(Math.fma(h, p0, y0));
                    y1 = domain.wrap(Math.fma(h, p1, y1));
                    form.gradient(y0, y1, g);
                    float c = k == leapfrogSteps - 1 ? half : h;
                    p0 -= c * g[0];
                    p1 -= c * g[1];
                }
                double h1 = form.value(y0, y1) + 0.5 * ((double) p0 * p0 + (double) p1 * p1);
                double u = Philox.uniform(b[2]);
                if (u < Math.exp(-(h1 - h0) / temperature)) {
                    x0 = y0;
                    x1 = y1;
                    accepted++;
                }
            }
            w.x0[i] = x0;
            w.x1[i] = x1;
        }
        return accepted;
    }
}
