package dev.groklab.backend.opencl;

import dev.groklab.backend.Backends;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.walkers.BrownianKernelReference;
import dev.groklab.walkers.Domain;
import dev.groklab.walkers.LangevinStep;
import dev.groklab.walkers.Potential;
import dev.groklab.walkers.Walk;
import dev.groklab.walkers.WalkConfig;
import dev.groklab.walkers.WalkResult;
import dev.groklab.walkers.Walkers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenCL walker kernels against the CPU's: the same Philox draws, so the same trajectories.
 *
 * <p>Bound: a walker "agrees" when each coordinate (folded on the torus) and dt·momentum differ
 * by at most 1e-5 from {@link BrownianKernelReference}'s after all steps: about 100 float32 ulps
 * at |x| ≈ 1, far above the last-bit differences of log/sin/cos and far below one noise step
 * (σ ≥ 1e-2). Near the diagonals of the crossing (or the bisectors of other lines) a last-bit
 * difference can flip which valley is nearest and move a walker by 2a·|x − b|·dt, so a few such
 * walkers per thousand are allowed rather than bounded by a maximum.
 */
class OpenClWalkersTest {
    private static final double TOL = 1e-5;
    private static OpenClBackend ocl;

    @BeforeAll static void open() { ocl = OpenClTesting.backend(); }

    private static Potential[] potentials() {
        Potential crossing = new Potential.Crossing(100f, 0.125f);
        return new Potential[]{crossing, new Potential.Lines(20f, 0.1f, 3), new Potential.Paraboloid(2f),
                new Potential.Regularized(new Potential.Crossing(50f, 0f), 5f, -1f, -1f)};
    }

    /** [walkers beyond TOL, walkers bit-identical, largest difference of an agreeing walker]. */
    private static double[] compare(LangevinStep st, int n, int seed) {
        Walkers ref = Walkers.uniform(n, st.domain().halfWidth(), seed), dev = ref.copy();
        // Two calls each, so the step offset of a second call is exercised too.
        BrownianKernelReference.INSTANCE.advance(st, ref, 0, 37);
        BrownianKernelReference.INSTANCE.advance(st, ref, 37, 40);
        var k = ocl.hostWalkers();
        k.advance(st, dev, 0, 37);
        k.advance(st, dev, 37, 40);
        Domain dom = st.domain();
        int far = 0, same = 0;
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double d = Math.max(Math.abs(dom.delta(ref.x0[i], dev.x0[i])), Math.abs(dom.delta(ref.x1[i], dev.x1[i])));
            d = Math.max(d, Math.max(Math.abs(ref.p0[i] - dev.p0[i]), Math.abs(ref.p1[i] - dev.p1[i])) * st.dt());
            if (!(d <= TOL)) far++;
            else worst = Math.max(worst, d);
            if (ref.x0[i] == dev.x0[i] && ref.x1[i] == dev.x1[i] && ref.p0[i] == dev.p0[i] && ref.p1[i] == dev.p1[i]) same++;
        }
        return new double[]{far, same, worst};
    }

    private static void followsTheReference(boolean exact) {
        long testSeed = 20261123L + (exact ? 0 : 1);
        Random r = new Random(testSeed);
        ocl.setExactWalkerMath(exact);
        try {
            for (Potential u : potentials()) {
                for (float beta : new float[]{0f, 0.9f}) {
                    for (boolean torus : new boolean[]{true, false}) {
                        int n = 2 * r.nextInt(2500) + 1, seed = r.nextInt();
                        Domain dom = torus ? Domain.torus(1f) : Domain.plane(1f);
                        LangevinStep st = beta == 0 ? LangevinStep.brownian(u, dom, 1e-3f, 0.5f, seed)
                                : LangevinStep.sgd(u, dom, 1e-3f, 0.05f, beta, seed);
                        double[] c = compare(st, n, seed);
                        String what = (exact && ocl.exactWalkerMath() ? "double" : "float") + " Box-Muller, " + Walk.describe(u)
                                + ", beta " + beta + ", " + dom.describe() + ", " + n + " walkers, seed " + seed;
                        System.out.printf("%s: %d beyond %.0e, %d bit-identical, worst agreeing %.3g%n", what, (int) c[0], TOL,
                                (int) c[1], c[2]);
                        assertTrue(c[0] <= 2 + n / 500, what + ": " + (int) c[0] + " walkers differ by more than " + TOL);
                        if (ocl.exactWalkerMath()) {
                            // Double log/sqrt/sin/cos rounded to float equal Math.* except at rare rounding ties.
                            assertTrue(c[1] >= n * 0.99, what + ": only " + (int) c[1] + " of " + n + " walkers bit-identical");
                        }
                    }
                }
            }
        } finally {
            ocl.setExactWalkerMath(true);
        }
    }

    @Test void langevinFollowsTheReferenceInDoubleBoxMuller() { followsTheReference(true); }

    @Test void langevinFollowsTheReferenceInFloatBoxMuller() { followsTheReference(false); }

    @Test void uniformStartsEqualWalkersUniformBitForBit() {
        try (Scope s = Scope.open()) {
            int[][] cases = {{1, 0}, {257, 7}, {4099, -123456789}};
            for (int[] c : cases) {
                int n = c[0], seed = c[1];
                float l = n == 257 ? 2.5f : 1f;
                // Slices at an offset, so the kernel's offsets are exercised.
                Tensor b0 = ocl.empty(DType.F32, n + 3), b1 = ocl.empty(DType.F32, n + 5);
                Tensor x0 = b0.slice(0, 3, n + 3), x1 = b1.slice(0, 5, n + 5);
                ocl.uniformWalkers(seed, l, x0, x1);
                Walkers w = Walkers.uniform(n, l, seed);
                assertArrayEquals(w.x0, ocl.toHost(x0).toFloatArray(), "x0, n " + n + " seed " + seed);
                assertArrayEquals(w.x1, ocl.toHost(x1).toFloatArray(), "x1, n " + n + " seed " + seed);
            }
        }
    }

    @Test void deviceHeldWalkersMatchHostHeldOnes() {
        LangevinStep st = LangevinStep.sgd(new Potential.Crossing(10f, 0f), Domain.torus(1f), 1e-2f, 0.1f, 0.5f, 3);
        int n = 999;
        try (Scope s = Scope.open()) {
            Tensor x0 = ocl.empty(DType.F32, n), x1 = ocl.empty(DType.F32, n), p0 = ocl.empty(DType.F32, n), p1 = ocl.empty(DType.F32, n);
            ocl.uniformWalkers(3, 1f, x0, x1);
            ocl.fill(p0, 0);
            ocl.fill(p1, 0);
            for (int from = 0; from < 30; from += 10) ocl.langevin(st, x0, x1, p0, p1, from, 10);
            Walkers w = Walkers.uniform(n, 1f, 3);
            ocl.hostWalkers().advance(st, w, 0, 30);
            assertArrayEquals(w.x0, ocl.toHost(x0).toFloatArray());
            assertArrayEquals(w.p1, ocl.toHost(p1).toFloatArray());
        }
    }

    @Test void occupancyEqualsTheCpusForTheSameSeed() {
        WalkConfig c = new WalkConfig("custom", "brownian", "crossing", 3001, 300, 1e-3f, 1f, 100f, 0f, 0f,
                new float[]{-1f, -1f}, 0.01f, 0f, true, 1f, 2, 11, 0.1f, 32, 10, 100, 10, 33, "scalar");
        WalkResult cpu = Walk.run(c), dev = Walk.run(c, ocl.hostWalkers());
        assertEquals("opencl", dev.summary().kernel());
        assertEquals("scalar", cpu.summary().kernel());
        long samples = cpu.occupancy().samples(), moved = 0;
        assertEquals(samples, dev.occupancy().samples());
        for (int i = 0; i < 32; i++) {
            for (int j = 0; j < 32; j++) moved += Math.abs(cpu.occupancy().histogram.count(i, j) - dev.occupancy().histogram.count(i, j));
        }
        System.out.printf("occupancy: %d of %d samples in another bin%n", moved / 2, samples);
        // Agreeing walkers sit in the same bin unless within 1e-5 of a bin edge (width 1/16).
        assertTrue(moved / 2 <= samples / 1000, moved / 2 + " of " + samples + " samples fell in another bin");
        assertEquals(cpu.summary().empiricalMassNear(), dev.summary().empiricalMassNear(), 2e-3);
        assertEquals(cpu.summary().varX0(), dev.summary().varX0(), 1e-3);
    }

    @Test void badArgumentsSayWhatIsWrong() {
        LangevinStep brown = LangevinStep.brownian(new Potential.Crossing(1f, 0f), Domain.torus(1f), 1e-3f, 1f, 0);
        LangevinStep sgd = LangevinStep.sgd(new Potential.Crossing(1f, 0f), Domain.torus(1f), 1e-3f, 0.1f, 0.5f, 0);
        try (Scope s = Scope.open()) {
            Tensor a = ocl.empty(DType.F32, 10), b = ocl.empty(DType.F32, 10), c = ocl.empty(DType.F32, 9);
            Tensor host = Backends.cpu().empty(DType.F32, 10), ints = ocl.empty(DType.I32, 10);
            String m = assertThrows(IllegalArgumentException.class, () -> ocl.langevin(sgd, a, b, null, null, 0, 1)).getMessage();
            assertTrue(m.contains("momentum") && m.contains("p0"), m);
            m = assertThrows(IllegalArgumentException.class, () -> ocl.langevin(brown, a, c, null, null, 0, 1)).getMessage();
            assertTrue(m.contains("differ in length") && m.contains("[9]"), m);
            m = assertThrows(IllegalArgumentException.class, () -> ocl.langevin(sgd, a, b, a, c, 0, 1)).getMessage();
            assertTrue(m.contains("differ in length"), m);
            m = assertThrows(IllegalArgumentException.class, () -> ocl.langevin(brown, host, b, null, null, 0, 1)).getMessage();
            assertTrue(m.contains("langevin") && m.contains("cpu"), m);
            m = assertThrows(IllegalArgumentException.class, () -> ocl.langevin(brown, ints, b, null, null, 0, 1)).getMessage();
            assertTrue(m.contains("F32"), m);
            m = assertThrows(IllegalArgumentException.class, () -> ocl.langevin(brown, a, b, null, null, -1, 1)).getMessage();
            assertTrue(m.contains("step numbers"), m);
            m = assertThrows(IllegalArgumentException.class, () -> ocl.langevin(brown, a, b, null, null, Integer.MAX_VALUE, 2)).getMessage();
            assertTrue(m.contains("step numbers"), m);
            m = assertThrows(IllegalArgumentException.class, () -> ocl.uniformWalkers(0, 1f, a, c)).getMessage();
            assertTrue(m.contains("uniformWalkers") && m.contains("differ in length"), m);
            m = assertThrows(IllegalArgumentException.class, () -> ocl.uniformWalkers(0, 0f, a, b)).getMessage();
            assertTrue(m.contains("half-width"), m);
            // Zero steps leave the walkers as they were.
            ocl.fill(a, 0.25);
            ocl.langevin(brown, a, b, null, null, 5, 0);
            assertEquals(0.25f, ocl.toHost(a).toFloatArray()[3]);
        }
    }
}
