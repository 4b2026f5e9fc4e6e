package dev.groklab.walkers;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Brownian motion against the Gibbs measure (targets.md item 8). */
class BrownianPhysicsTest {
    private static WalkConfig brownian(String potential, float a, float t, float dt, boolean torus, float l,
                                       int walkers, int steps, int every, int burnIn, float radius) {
        return new WalkConfig("test", "brownian", potential, walkers, steps, dt, t, a, 0f, 0f, new float[]{0, 0},
                0f, 0f, torus, l, 2, 17, radius, 64, every, burnIn, 1, 3, "simd");
    }

    /**
     * In a·‖x‖² the stationary law is Gibbs with variance T/(2a) per axis. Euler–Maruyama's
     * stationary variance is T/(2a(1 − a·dt)); a·dt = 0.005 keeps that bias at 0.5%.
     */
    @Test void paraboloidVarianceIsTOverTwoA() {
        float a = 1f, t = 1f, dt = 0.005f;
        WalkResult r = Walk.run(brownian("paraboloid", a, t, dt, false, 4f, 40_000, 1500, 50, 600, 0.5f));
        WalkSummary s = r.summary();
        double expected = t / (2 * a);
        System.out.printf("paraboloid a=%.1f T=%.1f: variance %.5f, %.5f (Gibbs %.5f, Euler-Maruyama %.5f); mean %.4f, %.4f%n",
                a, t, s.varX0(), s.varX1(), expected, expected / (1 - a * dt), s.meanX0(), s.meanX1());
        assertEquals(expected, s.varX0(), 0.02 * expected);
        assertEquals(expected, s.varX1(), 0.02 * expected);
        assertEquals(0, s.meanX0(), 0.01);
        // The mass within r of the minimum agrees with Gibbs too: 1 − exp(−r²/(2σ²)).
        double sigma2 = expected, gibbs = 1 - Math.exp(-0.25 / (2 * sigma2));
        assertEquals(gibbs, s.gibbsMassNear(), 2e-3, "Gibbs grid");
        assertEquals(1, s.ratio(), 0.03, "empirical / Gibbs mass near the minimum");
    }

    /**
     * Seed 002 says the crossing of a·min((x0−b)², (x1−b)²) on a torus takes more mass than
     * Gibbs. Overdamped Langevin with a continuous U has Gibbs as its stationary law, and a
     * converged simulation agrees: at a·dt = 0.1 the ratio is 1 within a few percent. A coarse
     * step (a·dt = 0.5) leaves the crossing with less mass, not more. What is robustly true is
     * asserted; the numbers are printed.
     */
    @Test void seed002CrossingMassAgainstGibbs() {
        WalkSummary fine = Walk.run(brownian("crossing", 100f, 1f, 1e-3f, true, 1f, 8_000, 4000, 10, 1200, 0.1f)).summary();
        WalkSummary coarse = Walk.run(brownian("crossing", 100f, 1f, 5e-3f, true, 1f, 6_000, 2000, 10, 600, 0.1f)).summary();
        System.out.printf("seed 002, crossing a=100 T=1 on the torus L=1, r=0.1: a*dt=0.1 empirical %.5f Gibbs %.5f ratio %.4f; "
                        + "a*dt=0.5 empirical %.5f ratio %.4f%n", fine.empiricalMassNear(), fine.gibbsMassNear(), fine.ratio(),
                coarse.empiricalMassNear(), coarse.ratio());
        assertEquals(1, fine.ratio(), 0.05, "converged Brownian motion follows Gibbs at the crossing");
        assertTrue(coarse.ratio() < 0.95, "a coarse step depletes the crossing: ratio " + coarse.ratio());
    }

    /** The SIMD and scalar kernels give the same physics (not just the same numbers). */
    @Test void scalarKernelGivesTheSameVariance() {
        WalkConfig c = brownian("paraboloid", 1f, 1f, 0.005f, false, 4f, 5000, 800, 50, 400, 0.5f);
        WalkConfig scalar = new WalkConfig(c.preset(), c.dynamics(), c.potential(), c.walkers(), c.steps(), c.dt(),
                c.temperature(), c.a(), c.b(), c.lambda(), c.center(), c.epsilon(), c.beta(), c.torus(), c.halfWidth(),
                c.lines(), c.seed(), c.radius(), c.bins(), c.sampleEvery(), c.burnIn(), c.leapfrog(), c.nodes(), "scalar");
        WalkSummary a = Walk.run(c).summary(), b = Walk.run(scalar).summary();
        assertEquals(a.varX0(), b.varX0(), 1e-4 * a.varX0());
        assertEquals(a.varX1(), b.varX1(), 1e-4 * a.varX1());
    }
}
