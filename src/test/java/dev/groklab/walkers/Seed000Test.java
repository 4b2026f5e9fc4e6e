package dev.groklab.walkers;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seed 000's noisy momentum SGD on a·min(x0², x1²) (+ λ/2·‖x − (−1, −1)‖²) from 10,000 uniform
 * starts in [−1, 1]², 100 steps, dt = 1e-3, a = 100 (targets.md item 9). The reported picture:
 * with λ = 0 and small ε the crossing is repulsive; λ > 0 or a larger ε makes it attractive.
 */
class Seed000Test {
    private static WalkSummary panel(float lambda, float epsilon, float beta) {
        return Walk.run(new WalkConfig("seed000", "sgd", "crossing", 10_000, 100, 1e-3f, 1f, 100f, 0f, lambda,
                new float[]{-1f, -1f}, epsilon, beta, false, 1f, 2, 0, 0.1f, 64, 0, 0, 1, 3, "auto")).summary();
    }

    @Test void singularPointRepulsiveThenAttractive() {
        for (float beta : new float[]{0f, 0.9f}) {
            WalkSummary a = panel(0f, 0.01f, beta), b = panel(5f, 0.01f, beta), c = panel(0f, 0.1f, beta);
            System.out.printf("seed 000, beta %.1f, mass within 0.1 of the crossing: (a) lambda 0, eps 0.01: %.5f (Gibbs at T=%.3g: %.5f, ratio %.3f); "
                            + "(b) lambda 5: %.5f; (c) eps 0.1: %.5f (Gibbs at T=%.3g: %.5f, ratio %.3f); uniform start %.5f%n",
                    beta, a.empiricalMassNear(), a.gibbsTemperature(), a.gibbsMassNear(), a.ratio(), b.empiricalMassNear(),
                    c.empiricalMassNear(), c.gibbsTemperature(), c.gibbsMassNear(), c.ratio(), a.uniformMassNear());
            // (a): far less mass at the crossing than Gibbs puts there: the descent empties it.
            assertTrue(a.ratio() < 0.5, "panel a ratio " + a.ratio());
            // (b) and (c): the crossing gains mass against panel (a).
            assertTrue(b.empiricalMassNear() > 3 * a.empiricalMassNear(), "panel b");
            assertTrue(c.empiricalMassNear() > 1.05 * a.empiricalMassNear(), "panel c");
        }
    }
}
