package dev.groklab.walkers;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HmcTest {
    /** HMC targeting exp(−a‖x‖²/T) recovers the variance T/(2a) with a high but not perfect acceptance. */
    @Test void gaussianVariance() {
        float a = 1f, t = 1f;
        WalkSummary s = Walk.run(new WalkConfig("test", "hmc", "paraboloid", 20_000, 80, 0.2f, t, a, 0f, 0f,
                new float[]{0, 0}, 0f, 0f, false, 4f, 2, 8, 0.5f, 32, 0, 0, 10, 3, "simd")).summary();
        double expected = t / (2 * a);
        System.out.printf("HMC Gaussian: variance %.5f, %.5f (expected %.5f), acceptance %.4f%n",
                s.varX0(), s.varX1(), expected, s.acceptanceRate());
        assertEquals(expected, s.varX0(), 0.03 * expected);
        assertEquals(expected, s.varX1(), 0.03 * expected);
        assertTrue(s.acceptanceRate() > 0.6 && s.acceptanceRate() < 1.0, "acceptance " + s.acceptanceRate());
    }

    /** A too-large step is mostly rejected, and rejection leaves walkers where they were. */
    @Test void largeStepsAreRejected() {
        PotentialForm f = new Potential.Paraboloid(50f).form();
        Hmc hmc = new Hmc(f, Domain.plane(1f), 1f, 0.5f, 5, 1);
        Walkers w = Walkers.uniform(2000, 0.05f, 1), before = w.copy();
        long accepted = hmc.advance(w, 0, 1);
        int moved = 0;
        for (int i = 0; i < w.n; i++) if (w.x0[i] != before.x0[i] || w.x1[i] != before.x1[i]) moved++;
        assertEquals(accepted, moved);
        assertTrue(accepted < 200, "accepted " + accepted);
    }
}
