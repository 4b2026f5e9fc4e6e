package dev.groklab.walkers;

import dev.groklab.backend.cpu.Parallel;
import dev.groklab.rng.PhiloxNormals;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.F2I;
import static jdk.incubator.vector.VectorOperators.GE;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.LT;
import static jdk.incubator.vector.VectorOperators.NE;
import static jdk.incubator.vector.VectorOperators.XOR;

/**
 * {@link LangevinStep} with walkers in SIMD lanes: a block of {@code VL} walkers stays in
 * registers for all the steps of a call, and Philox4x32-10 runs in the lanes too.
 *
 * <p>Philox needs 32×32→64-bit products. Each 32-bit word of the state lives in two
 * {@code LongVector}s, one for the block's even walkers and one for its odd walkers, one word per
 * 64-bit lane: masking both factors to 32 bits lets C2 emit one unsigned 32-bit multiply per lane
 * pair, and the upper halves may hold garbage wherever only the low 32 bits are read. Reading the
 * low halves of the even and odd vectors as one int vector puts walker base + i in int lane i.
 *
 * <p>With the counter (w, 0, s, 0) the first two rounds split into a part that depends only on
 * the walker and a part that depends only on the step, so they cost a scalar computation per step
 * and two XORs per vector; the last round computes only the two words the step uses.
 *
 * <p>Box-Muller's log, sin and cos are evaluated here with fixed polynomials (an exponent split
 * and the atanh series for log; Cody-Waite reduction of θ = TWO_PI·u2 and Taylor polynomials for
 * sin and cos), within about 2 ulp of the rounded Math results. They cost the same as the Vector
 * API's LOG/SIN/COS on this hardware, and unlike those they give the same bits on every CPU,
 * whichever vector math library the JDK finds. So results equal {@link BrownianKernelReference}
 * to fp32 tolerance, not bit for bit.
 *
 * <p>Until C2 has compiled {@link #block} (several seconds) it runs far slower than the scalar
 * kernel; {@link Walk#kernel} therefore picks this kernel only for large runs.
 */
public final class BrownianKernelSimd implements LangevinKernel {
    public static final BrownianKernelSimd INSTANCE = new BrownianKernelSimd();

    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    static final VectorSpecies<Long> LS = VectorSpecies.of(long.class, FS.vectorShape());
    static final int VL = FS.length();

    private static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9, W1 = 0xBB67AE85;
    private static final long LO = 0xFFFFFFFFL;
    private static final VectorMask<Integer> ODD = oddLanes();

    // log: ln 2 split so e·LN2_HI is exact; series 2·atanh(s) = s·(2 + 2z/3 + 2z²/5 + 2z³/7 + 2z⁴/9).
    private static final float SQRT2 = 1.41421356f, LN2_HI = 0.693145751953125f, LN2_LO = 1.42860676533018e-06f;
    // sin/cos: π/2 in three parts (Cody-Waite), Taylor terms to x⁹ and x¹⁰ (error < 2e-9 on |x| ≤ π/4).
    private static final float PIO2_1 = 1.5703125f, PIO2_2 = 4.837512969970703125e-4f, PIO2_3 = 7.54978995489188216e-8f;
    private static final float TWO_OVER_PI = (float) (2 / Math.PI);

    private static FloatVector bc(float v) { return FloatVector.broadcast(FS, v); }

    @Override public String name() { return "simd"; }

    private static VectorMask<Integer> oddLanes() {
        boolean[] odd = new boolean[IS.length()];
        for (int i = 0; i < odd.length; i++) odd[i] = (i & 1) == 1;
        return VectorMask.fromArray(IS, odd, 0);
    }

    @Override public void advance(LangevinStep step, Walkers w, int stepFrom, int steps) {
        BrownianKernelReference.checkSteps(stepFrom, steps);
        Profiles.ensure();
        int blocks = w.n / VL;
        Parallel.range(blocks, 1, (b0, b1) -> {
            for (int b = b0; b < b1; b++) block(step, w, b * VL, stepFrom, steps);
        });
        if (blocks * VL < w.n) BrownianKernelReference.range(step, w, blocks * VL, w.n, stepFrom, steps);
    }

    /**
     * Runs every branch of {@link #block} once on a few walkers before real work, so the profile
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
                        new Potential.Lines(1f, 0f, 3)};
                for (Potential u : us) {
                    for (Domain d : new Domain[]{Domain.torus(1f), Domain.plane(1f)}) {
                        for (float beta : new float[]{0f, 0.5f}) {
                            Walkers w = Walkers.uniform(VL, 1f, 0);
                            block(new LangevinStep(u.form(), d, 1e-3f, 0.1f, beta, 0), w, 0, 0, 4);
                        }
                    }
                }
                done = true;
            }
        }
    }

    /** Unsigned 32×32→64 product of the low halves. */
    private static LongVector mul32(LongVector x, LongVector m) {
        return x.and(LO).mul(m.and(LO));
    }

    private static LongVector hi(LongVector p) {
        return p.lanewise(LSHR, 32);
    }

    private static void block(LangevinStep st, Walkers w, int base, int stepFrom, int steps) {
        PotentialForm f = st.form();
        PotentialForm.Kind kind = f.kind();
        int lines = f.lines();
        float[] nxs = f.nx(), nys = f.ny();
        float px = f.px(), py = f.py(), twoA = f.twoA(), kq = f.kq(), kcx = -f.kcx(), kcy = -f.kcy();
        Domain dom = st.domain();
        boolean torus = dom.torus();
        float l = dom.halfWidth(), twoL = 2 * l, negL = -l;
        float dt = st.dt(), sigma = st.sigma(), beta = st.beta(), gw = st.gradWeight();
        boolean momentum = beta != 0;
        int seed = st.seed(), stream = Streams.NOISE;

        LongVector m0 = LongVector.broadcast(LS, M0 & LO), m1 = LongVector.broadcast(LS, M1 & LO);
        long[] k0 = new long[10], k1 = new long[10];
        for (int r = 0; r < 10; r++) {
            k0[r] = (seed + r * W0) & LO;
            k1[r] = (stream + r * W1) & LO;
        }

        // Per-walker halves of rounds 0 and 1 (see the class comment).
        LongVector iota = LongVector.zero(LS).addIndex(2);
        LongVector pe = mul32(iota.add(base), m0), po = mul32(iota.add(base + 1), m0);
        LongVector qe = hi(pe).lanewise(XOR, k1[0]).and(LO).mul(m1.and(LO));
        LongVector qo = hi(po).lanewise(XOR, k1[0]).and(LO).mul(m1.and(LO));
        LongVector ae = hi(qe), ao = hi(qo);
        LongVector be = qe.lanewise(XOR, k0[2]), bo = qo.lanewise(XOR, k0[2]);
        LongVector le = pe, lo = po;

        FloatVector l0 = bc(2f), l1 = bc(2f / 3), l2 = bc(2f / 5), l3 = bc(2f / 7), l4 = bc(2f / 9), ln2Hi = bc(LN2_HI);
        FloatVector twoOverPi = bc(TWO_OVER_PI), half = bc(0.5f), pio2a = bc(-PIO2_1), pio2b = bc(-PIO2_2), pio2c = bc(-PIO2_3);
        FloatVector s1 = bc(-1f / 6), s2 = bc(1f / 120), s3 = bc(-1f / 5040), s4 = bc(1f / 362880);
        FloatVector c1 = bc(1f / 24), c2 = bc(-1f / 720), c3 = bc(1f / 40320), c4 = bc(-1f / 3628800);
        FloatVector minusHalf = bc(-0.5f), one = bc(1f);
        FloatVector betaV = FloatVector.broadcast(FS, beta), dtV = FloatVector.broadcast(FS, dt);
        FloatVector sigmaV = FloatVector.broadcast(FS, sigma);
        FloatVector x0 = FloatVector.fromArray(FS, w.x0, base), x1 = FloatVector.fromArray(FS, w.x1, base);
        FloatVector v0 = FloatVector.fromArray(FS, w.p0, base), v1 = FloatVector.fromArray(FS, w.p1, base);

        // The loop calls no helper methods: this method exceeds C2's inlining node budget, so a
        // helper taking or returning vectors would stay a call and box them on every step.
        for (int s = stepFrom; s < stepFrom + steps; s++) {
            // Per-step halves of rounds 0 and 1: scalars shared by every walker.
            long ps = (M1 & LO) * (s & LO);
            long pp = (M0 & LO) * (((int) (ps >>> 32) ^ seed) & LO);
            long sa = ((int) ps ^ (int) k0[1]) & LO;
            long sb = ((int) (pp >>> 32) ^ (int) k1[1]) & LO;
            long sc = ((int) pp ^ (int) k1[2]) & LO;

            // Round 2.
            LongVector c0e = ae.lanewise(XOR, sa), c0o = ao.lanewise(XOR, sa);
            LongVector c2e = le.lanewise(XOR, sb), c2o = lo.lanewise(XOR, sb);
            LongVector p0e = c0e.and(LO).mul(m0.and(LO)), p0o = c0o.and(LO).mul(m0.and(LO));
            LongVector p1e = c2e.and(LO).mul(m1.and(LO)), p1o = c2o.and(LO).mul(m1.and(LO));
            c0e = p1e.lanewise(LSHR, 32).lanewise(XOR, be);
            c0o = p1o.lanewise(LSHR, 32).lanewise(XOR, bo);
            LongVector c1e = p1e, c1o = p1o;
            c2e = p0e.lanewise(LSHR, 32).lanewise(XOR, sc);
            c2o = p0o.lanewise(LSHR, 32).lanewise(XOR, sc);
            LongVector c3e = p0e, c3o = p0o;

            // Rounds 3..8.
            for (int r = 3; r < 9; r++) {
                p0e = c0e.and(LO).mul(m0.and(LO));
                p0o = c0o.and(LO).mul(m0.and(LO));
                p1e = c2e.and(LO).mul(m1.and(LO));
                p1o = c2o.and(LO).mul(m1.and(LO));
                c0e = p1e.lanewise(LSHR, 32).lanewise(XOR, c1e.lanewise(XOR, k0[r]));
                c0o = p1o.lanewise(LSHR, 32).lanewise(XOR, c1o.lanewise(XOR, k0[r]));
                c2e = p0e.lanewise(LSHR, 32).lanewise(XOR, c3e.lanewise(XOR, k1[r]));
                c2o = p0o.lanewise(LSHR, 32).lanewise(XOR, c3o.lanewise(XOR, k1[r]));
                c1e = p1e;
                c1o = p1o;
                c3e = p0e;
                c3o = p0o;
            }

            // Round 9: only output words 0 and 1.
            p1e = c2e.and(LO).mul(m1.and(LO));
            p1o = c2o.and(LO).mul(m1.and(LO));
            // Even walkers' words in the even int lanes, odd walkers' (shifted up) in the odd ones.
            IntVector o0 = p1e.lanewise(LSHR, 32).lanewise(XOR, c1e.lanewise(XOR, k0[9])).reinterpretAsInts()
                    .blend(p1o.lanewise(LSHR, 32).lanewise(XOR, c1o.lanewise(XOR, k0[9])).lanewise(LSHL, 32)
                            .reinterpretAsInts(), ODD);
            IntVector o1 = p1e.reinterpretAsInts().blend(p1o.lanewise(LSHL, 32).reinterpretAsInts(), ODD);

            // Box-Muller on pair 0: u1 = k·2⁻²⁴ with k in [1, 2²⁴], u2 = j·2⁻²⁴.
            FloatVector u1 = ((FloatVector) o0.lanewise(LSHR, 8).add(1).convert(I2F, 0)).mul(0x1.0p-24f);
            FloatVector u2 = ((FloatVector) o1.lanewise(LSHR, 8).convert(I2F, 0)).mul(0x1.0p-24f);

            // log(u1) = e·ln2 + log(m), m in [√½, √2), log(m) = 2·atanh((m − 1)/(m + 1)) by its series.
            IntVector ub = u1.reinterpretAsInts();
            FloatVector ef = (FloatVector) ub.lanewise(LSHR, 23).sub(127).convert(I2F, 0);
            FloatVector mf = ub.and(0x007FFFFF).or(0x3F800000).reinterpretAsFloats();
            VectorMask<Float> big = mf.compare(GT, SQRT2);
            mf = mf.mul(0.5f, big);
            ef = ef.add(1f, big);
            FloatVector fm = mf.sub(1f);
            FloatVector sm = fm.div(fm.add(2f));
            FloatVector zm = sm.mul(sm);
            FloatVector poly = zm.fma(l4, l3).fma(zm, l2).fma(zm, l1).fma(zm, l0);
            FloatVector logU = ef.fma(ln2Hi, sm.fma(poly, ef.mul(LN2_LO)));
            FloatVector rad = logU.mul(-2f).sqrt();

            // sin and cos of θ = 2π·u2: quadrant q = round(θ·2/π), x = θ − q·π/2 in [−π/4, π/4].
            FloatVector th = u2.mul(PhiloxNormals.TWO_PI);
            IntVector q = (IntVector) th.fma(twoOverPi, half).convert(F2I, 0);
            FloatVector qf = (FloatVector) q.convert(I2F, 0);
            FloatVector x = qf.fma(pio2a, th);
            x = qf.fma(pio2b, x);
            x = qf.fma(pio2c, x);
            FloatVector xx = x.mul(x);
            FloatVector sn = xx.fma(s4, s3).fma(xx, s2).fma(xx, s1).mul(xx).fma(x, x);
            FloatVector cs = xx.fma(c4, c3).fma(xx, c2).fma(xx, c1).fma(xx, minusHalf).fma(xx, one);
            VectorMask<Integer> swap = q.and(1).compare(NE, 0);
            IntVector sinBits = sn.reinterpretAsInts().blend(cs.reinterpretAsInts(), swap)
                    .lanewise(XOR, q.and(2).lanewise(LSHL, 30));
            IntVector cosBits = cs.reinterpretAsInts().blend(sn.reinterpretAsInts(), swap)
                    .lanewise(XOR, q.add(1).and(2).lanewise(LSHL, 30));
            FloatVector z0 = rad.mul(cosBits.reinterpretAsFloats());
            FloatVector z1 = rad.mul(sinBits.reinterpretAsFloats());

            // Gradient, in PotentialForm.gradient's order.
            FloatVector g0 = x0.fma(kq, kcx), g1 = x1.fma(kq, kcy);
            if (kind != PotentialForm.Kind.QUADRATIC) {
                FloatVector dx = x0.sub(px), dy = x1.sub(py);
                if (kind == PotentialForm.Kind.CROSSING_AXES) {
                    VectorMask<Float> second = dy.mul(dy).lt(dx.mul(dx));
                    FloatVector sv = dx.blend(dy, second).mul(twoA);
                    g0 = g0.add(sv, second.not());
                    g1 = g1.add(sv, second);
                } else if (kind == PotentialForm.Kind.VALLEY_X0) {
                    g0 = g0.add(dx.mul(twoA));
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
                    FloatVector sv = bd.mul(twoA);
                    g0 = sv.fma(bnx, g0);
                    g1 = sv.fma(bny, g1);
                }
            }

            if (momentum) {
                v0 = v0.fma(betaV, g0.mul(gw));
                v1 = v1.fma(betaV, g1.mul(gw));
            } else {
                v0 = g0.neg();
                v1 = g1.neg();
            }
            x0 = z0.fma(sigmaV, v0.fma(dtV, x0));
            x1 = z1.fma(sigmaV, v1.fma(dtV, x1));
            if (torus) {
                x0 = x0.sub(twoL, x0.compare(GE, l)).add(twoL, x0.compare(LT, negL));
                x1 = x1.sub(twoL, x1.compare(GE, l)).add(twoL, x1.compare(LT, negL));
            }
        }
        x0.intoArray(w.x0, base);
        x1.intoArray(w.x1, base);
        if (momentum) {
            v0.intoArray(w.p0, base);
            v1.intoArray(w.p1, base);
        }
    }
}
