package dev.groklab.walkers;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SIMD kernel against the scalar reference: same seed, same steps, positions equal to fp32
 * tolerance. Not bit for bit: the lanes evaluate log/sin/cos with their own polynomials, the
 * reference with Math.log/sin/cos rounded to float, so normals differ in the last ulp or two.
 */
class KernelEquivalenceTest {
    private static double[] compare(LangevinStep st, int n, int steps, float halfWidth) {
        Walkers ref = Walkers.uniform(n, halfWidth, st.seed()), simd = ref.copy();
        // Three calls each: the second starts at an odd step (the middle of a Philox block shared
        // by two steps) and the longer calls span several noise windows.
        int[] cuts = {0, 37, 37 + (steps - 37) / 2, steps};
        for (int c = 0; c < 3; c++) {
            BrownianKernelReference.INSTANCE.advance(st, ref, cuts[c], cuts[c + 1] - cuts[c]);
            BrownianKernelSimd.INSTANCE.advance(st, simd, cuts[c], cuts[c + 1] - cuts[c]);
        }
        double max = 0;
        int far = 0;
        Domain dom = st.domain();
        for (int i = 0; i < n; i++) {
            double d = Math.max(Math.abs(dom.delta(ref.x0[i], simd.x0[i])), Math.abs(dom.delta(ref.x1[i], simd.x1[i])));
            d = Math.max(d, Math.max(Math.abs(ref.p0[i] - simd.p0[i]), Math.abs(ref.p1[i] - simd.p1[i])) * st.dt());
            max = Math.max(max, d);
            if (d > 1e-4) far++;
        }
        return new double[]{max, far};
    }

    @Test void smoothPotentialAgreesEverywhere() {
        // Odd walker count: the last n mod VL walkers take the scalar tail path.
        LangevinStep st = LangevinStep.brownian(new Potential.Paraboloid(2f), Domain.plane(1f), 1e-3f, 0.5f, 42);
        double[] r = compare(st, 1003, 400, 1f);
        System.out.printf("paraboloid, 400 steps: max |simd - scalar| = %.3g%n", r[0]);
        assertTrue(r[0] < 2e-5, "max difference " + r[0]);
    }

    @Test void momentumSgdWithRegularizerAgrees() {
        Potential u = Potential.of("crossing", 100f, 0f, 2, 5f, -1f, -1f);
        LangevinStep st = LangevinStep.sgd(u, Domain.plane(1f), 1e-3f, 0.01f, 0.9f, 9);
        double[] r = compare(st, 2000, 100, 1f);
        System.out.printf("sgd beta 0.9 + L2, 100 steps: max |simd - scalar| = %.3g, walkers off by > 1e-4: %d%n", r[0], (int) r[1]);
        assertTrue(r[1] <= 2, "walkers off by more than 1e-4: " + r[1]);
    }

    @Test void crossingOnTorusAgreesForAlmostAllWalkers() {
        // Near the diagonals |x0 − b| = |x1 − b| the valley choice flips on a last-bit difference,
        // which moves one walker by 2a·|x − b|·dt: rare, so count such walkers instead of a max.
        LangevinStep st = LangevinStep.brownian(new Potential.Crossing(100f, 0f), Domain.torus(1f), 1e-3f, 1f, 3);
        double[] r = compare(st, 4096, 500, 1f);
        System.out.printf("crossing on torus, 500 steps: max |simd - scalar| = %.3g, walkers off by > 1e-4: %d of 4096%n", r[0], (int) r[1]);
        assertTrue(r[1] <= 4, "walkers off by more than 1e-4: " + r[1]);
    }

    @Test void linesPotentialAgrees() {
        LangevinStep st = LangevinStep.brownian(new Potential.Lines(20f, 0.1f, 3), Domain.torus(1.5f), 1e-3f, 0.3f, 5);
        double[] r = compare(st, 1024, 300, 1.5f);
        System.out.printf("3 lines on torus, 300 steps: max |simd - scalar| = %.3g, off by > 1e-4: %d%n", r[0], (int) r[1]);
        assertTrue(r[1] <= 2, "walkers off by more than 1e-4: " + r[1]);
    }

    @Test void valleyWithMomentumAgrees() {
        // No quadratic part: the kernel starts the gradient at zero instead of evaluating it.
        LangevinStep st = LangevinStep.sgd(new Potential.Valley(30f, 0.2f), Domain.torus(1f), 1e-3f, 0.02f, 0.5f, 11);
        double[] r = compare(st, 515, 200, 1f);
        System.out.printf("valley on torus, beta 0.5, 200 steps: max |simd - scalar| = %.3g%n", r[0]);
        assertTrue(r[0] < 2e-5, "max difference " + r[0]);
    }

    @Test void sameSeedSameNumbersDifferentSeedDifferent() {
        LangevinStep a = LangevinStep.brownian(new Potential.Crossing(10f, 0f), Domain.torus(1f), 1e-3f, 1f, 1);
        LangevinStep b = LangevinStep.brownian(new Potential.Crossing(10f, 0f), Domain.torus(1f), 1e-3f, 1f, 2);
        Walkers w1 = Walkers.uniform(64, 1f, 0), w2 = w1.copy(), w3 = w1.copy();
        BrownianKernelSimd.INSTANCE.advance(a, w1, 0, 50);
        BrownianKernelSimd.INSTANCE.advance(a, w2, 0, 50);
        BrownianKernelSimd.INSTANCE.advance(b, w3, 0, 50);
        for (int i = 0; i < 64; i++) {
            assertTrue(w1.x0[i] == w2.x0[i] && w1.x1[i] == w2.x1[i], "repeatable");
        }
        assertTrue(w1.x0[0] != w3.x0[0] || w1.x0[1] != w3.x0[1], "seed matters");
    }
}
