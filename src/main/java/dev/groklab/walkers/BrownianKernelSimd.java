package dev.groklab.walkers;

import dev.groklab.backend.cpu.Parallel;
import dev.groklab.rng.PhiloxNormalsSimd;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.LT;

/**
 * {@link LangevinStep} with walkers in SIMD lanes, {@code VL} to a block and {@link #GROUP}
 * blocks advanced together, step by step, so that their dependency chains overlap. The noise
 * comes first, a window of steps at a time, from {@link PhiloxNormalsSimd} into a small buffer
 * that stays in L1; the dynamics loop then reads it.
 * Split so, the long Philox and Box–Muller chains of different steps are independent of each
 * other and of the positions, and the processor overlaps them; interleaved with the dynamics
 * they left it waiting on one step's chain at a time. Results equal
 * {@link BrownianKernelReference} to fp32 tolerance, not bit for bit (see PhiloxNormalsSimd).
 *
 * <p>Until C2 has compiled {@link #group} (several seconds) it runs far slower than the scalar
 * kernel; {@link Walk#kernel} therefore picks this kernel only for large runs.
 */
public final class BrownianKernelSimd implements LangevinKernel {
    public static final BrownianKernelSimd INSTANCE = new BrownianKernelSimd();

    static final VectorSpecies<Float> FS = PhiloxNormalsSimd.FS;
    static final int VL = PhiloxNormalsSimd.VL;
    /** Steps of noise per buffer fill: 2·32·VL floats per block, 2 KiB with 8 lanes. */
    static final int WINDOW = 32;
    /**
     * Blocks whose steps interleave: one block's step depends on its last through a chain of
     * about 45 cycles of latency; with four independent blocks in the loop the processor
     * overlaps their chains.
     */
    static final int GROUP = 4;

    @Override public String name() { return "simd"; }

    private static FloatVector bc(float v) { return FloatVector.broadcast(FS, v); }

    @Override public void advance(LangevinStep step, Walkers w, int stepFrom, int steps) {
        BrownianKernelReference.checkSteps(stepFrom, steps);
        Profiles.ensure();
        int blocks = w.n / VL;
        Parallel.rangeStealing(blocks, GROUP, (b0, b1) -> {
            float[] z = new float[GROUP * 2 * WINDOW * VL];
            for (int b = b0; b < b1; b += GROUP) group(step, w, b * VL, Math.min(GROUP, b1 - b), stepFrom, steps, z);
        });
        if (blocks * VL < w.n) BrownianKernelReference.range(step, w, blocks * VL, w.n, stepFrom, steps);
    }

    /**
     * Runs every branch of {@link #group} once on a few walkers before real work, so the profile
     * C2 compiles from has seen each potential kind, momentum and domain: otherwise a run that
     * switches dynamics deoptimizes and pays the long compile of this method again.
     */
    private static final class Profiles {
        private static volatile boolean done;

        static void ensure() {
            if (done) return;
            synchronized (Profiles.class) {
                if (done) return;
                Potential[] us = {new Potential.Paraboloid(1f), new Potential.Valley(1f, 0f), new Potential.Crossing(1f, 0f),
                        new Potential.Lines(1f, 0f, 3), new Potential.Regularized(new Potential.Crossing(1f, 0f), 1f, 0.5f, 0.5f),
                        new Potential.Regularized(new Potential.Valley(1f, 0f), 1f, 0.5f, 0.5f),
                        new Potential.Regularized(new Potential.Lines(1f, 0f, 3), 1f, 0.5f, 0.5f)};
                float[] z = new float[GROUP * 2 * WINDOW * VL];
                for (Potential u : us) {
                    for (Domain d : new Domain[]{Domain.torus(1f), Domain.plane(1f)}) {
                        for (float beta : new float[]{0f, 0.5f}) {
                            Walkers w = Walkers.uniform(2 * VL, 1f, 0);
                            group(new LangevinStep(u.form(), d, 1e-3f, 0.1f, beta, 0), w, 0, 2, 0, 4, z);
                        }
                    }
                }
                done = true;
            }
        }
    }

    /**
     * Walkers base..base+blocks·VL for steps stepFrom..stepFrom+steps; z is the noise buffer,
     * a window per block. Step by step, each block's state goes through L1 between steps, so the
     * blocks of a step are independent work.
     */
    private static void group(LangevinStep st, Walkers w, int base, int blocks, int stepFrom, int steps, float[] z) {
        PotentialForm f = st.form();
        PotentialForm.Kind kind = f.kind();
        int lines = f.lines();
        float[] nxs = f.nx(), nys = f.ny();
        boolean quad = f.kq() != 0 || f.kcx() != 0 || f.kcy() != 0;
        FloatVector pxV = bc(f.px()), pyV = bc(f.py()), twoAV = bc(f.twoA());
        FloatVector kqV = bc(f.kq()), kcxV = bc(-f.kcx()), kcyV = bc(-f.kcy());
        Domain dom = st.domain();
        boolean torus = dom.torus();
        float l = dom.halfWidth();
        FloatVector lV = bc(l), negLV = bc(-l), twoLV = bc(2 * l), negTwoLV = bc(-2 * l), zero = bc(0f);
        float dt = st.dt(), beta = st.beta(), gw = st.gradWeight();
        boolean momentum = beta != 0;
        FloatVector betaV = bc(beta), dtV = bc(dt), negDtV = bc(-dt), sigmaV = bc(st.sigma());
        float[] p0 = w.p0, p1 = w.p1;

        for (int done = 0; done < steps; ) {
            int n = Math.min(WINDOW, steps - done), zBlock = 2 * n * VL;
            PhiloxNormalsSimd.stepPairs(st.seed(), Streams.NOISE, base, blocks, stepFrom + done, n, z, 0);
            done += n;
            for (int i = 0; i < n; i++) for (int b = 0; b < blocks; b++) {
                int at = base + b * VL, zi = b * zBlock + 2 * i * VL;
                FloatVector x0 = FloatVector.fromArray(FS, w.x0, at), x1 = FloatVector.fromArray(FS, w.x1, at);
                FloatVector z0 = FloatVector.fromArray(FS, z, zi), z1 = FloatVector.fromArray(FS, z, zi + VL);

                // Gradient, in PotentialForm.gradient's order. Without a quadratic part it
                // starts at ±0, and a product added to ±0 (a fused multiply-add) is the product.
                FloatVector g0 = zero, g1 = zero;
                if (quad) {
                    g0 = x0.fma(kqV, kcxV);
                    g1 = x1.fma(kqV, kcyV);
                }
                if (kind != PotentialForm.Kind.QUADRATIC) {
                    FloatVector dx = x0.sub(pxV), dy = x1.sub(pyV);
                    if (kind == PotentialForm.Kind.CROSSING_AXES) {
                        VectorMask<Float> second = dy.mul(dy).lt(dx.mul(dx));
                        FloatVector sv = dx.blend(dy, second).mul(twoAV);
                        if (quad) {
                            g0 = g0.add(sv, second.not());
                            g1 = g1.add(sv, second);
                        } else {
                            g0 = sv.blend(zero, second);
                            g1 = zero.blend(sv, second);
                        }
                    } else if (kind == PotentialForm.Kind.VALLEY_X0) {
                        FloatVector sv = dx.mul(twoAV);
                        g0 = quad ? g0.add(sv) : sv;
                    } else {
                        FloatVector bd = dx.fma(FloatVector.broadcast(FS, nxs[0]), dy.mul(nys[0]));
                        FloatVector b2 = bd.mul(bd);
                        FloatVector bnx = FloatVector.broadcast(FS, nxs[0]), bny = FloatVector.broadcast(FS, nys[0]);
                        for (int k = 1; k < lines; k++) {
                            FloatVector dk = dx.fma(FloatVector.broadcast(FS, nxs[k]), dy.mul(nys[k]));
                            FloatVector d2 = dk.mul(dk);
                            VectorMask<Float> better = d2.lt(b2);
                            b2 = b2.blend(d2, better);
                            bd = bd.blend(dk, better);
                            bnx = bnx.blend(nxs[k], better);
                            bny = bny.blend(nys[k], better);
                        }
                        FloatVector sv = bd.mul(twoAV);
                        g0 = quad ? sv.fma(bnx, g0) : sv.mul(bnx);
                        g1 = quad ? sv.fma(bny, g1) : sv.mul(bny);
                    }
                }

                if (momentum) {
                    FloatVector v0 = FloatVector.fromArray(FS, p0, at).fma(betaV, g0.mul(gw));
                    FloatVector v1 = FloatVector.fromArray(FS, p1, at).fma(betaV, g1.mul(gw));
                    v0.intoArray(p0, at);
                    v1.intoArray(p1, at);
                    x0 = z0.fma(sigmaV, v0.fma(dtV, x0));
                    x1 = z1.fma(sigmaV, v1.fma(dtV, x1));
                } else {
                    // dt·(−g) + x as (−dt)·g + x: the same rounding, one negation fewer.
                    x0 = z0.fma(sigmaV, g0.fma(negDtV, x0));
                    x1 = z1.fma(sigmaV, g1.fma(negDtV, x1));
                }
                if (torus) {
                    // Domain.wrap: both tests on the unwrapped x (they exclude each other).
                    x0 = x0.sub(zero.blend(twoLV, x0.compare(GE, lV)).blend(negTwoLV, x0.compare(LT, negLV)));
                    x1 = x1.sub(zero.blend(twoLV, x1.compare(GE, lV)).blend(negTwoLV, x1.compare(LT, negLV)));
                }
                x0.intoArray(w.x0, at);
                x1.intoArray(w.x1, at);
            }
        }
    }
}
