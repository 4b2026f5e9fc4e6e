package dev.groklab.walkers;

import dev.groklab.backend.cpu.Parallel;
import dev.groklab.rng.PhiloxNormals;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

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
 * <p>Results equal {@link BrownianKernelReference} to fp32 tolerance, not bit for bit: the
 * vector log/sin/cos round differently from Math.log/sin/cos in the last bits.
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

    @Override public String name() { return "simd"; }

    private static VectorMask<Integer> oddLanes() {
        boolean[] odd = new boolean[IS.length()];
        for (int i = 0; i < odd.length; i++) odd[i] = (i & 1) == 1;
        return VectorMask.fromArray(IS, odd, 0);
    }

    @Override public void advance(LangevinStep step, Walkers w, int stepFrom, int steps) {
        BrownianKernelReference.checkSteps(stepFrom, steps);
        int blocks = w.n / VL;
        Parallel.range(blocks, 1, (b0, b1) -> {
            for (int b = b0; b < b1; b++) block(step, w, b * VL, stepFrom, steps);
        });
        if (blocks * VL < w.n) BrownianKernelReference.range(step, w, blocks * VL, w.n, stepFrom, steps);
    }

    /** Unsigned 32×32→64 product of the low halves. */
    private static LongVector mul32(LongVector x, LongVector m) {
        return x.and(LO).mul(m.and(LO));
    }

    private static LongVector hi(LongVector p) {
        return p.lanewise(VectorOperators.LSHR, 32);
    }

    /** The low 32 bits of the even-walker and odd-walker vectors as one int vector in walker order. */
    private static IntVector merge(LongVector even, LongVector odd) {
        IntVector e = even.reinterpretAsInts();
        IntVector o = odd.lanewise(VectorOperators.LSHL, 32).reinterpretAsInts();
        return e.blend(o, ODD);
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
        LongVector qe = mul32(hi(pe).lanewise(VectorOperators.XOR, k1[0]), m1);
        LongVector qo = mul32(hi(po).lanewise(VectorOperators.XOR, k1[0]), m1);
        LongVector ae = hi(qe), ao = hi(qo);
        LongVector be = qe.lanewise(VectorOperators.XOR, k0[2]), bo = qo.lanewise(VectorOperators.XOR, k0[2]);
        LongVector le = pe, lo = po;

        FloatVector betaV = FloatVector.broadcast(FS, beta), dtV = FloatVector.broadcast(FS, dt);
        FloatVector sigmaV = FloatVector.broadcast(FS, sigma);
        FloatVector x0 = FloatVector.fromArray(FS, w.x0, base), x1 = FloatVector.fromArray(FS, w.x1, base);
        FloatVector v0 = FloatVector.fromArray(FS, w.p0, base), v1 = FloatVector.fromArray(FS, w.p1, base);

        for (int s = stepFrom; s < stepFrom + steps; s++) {
            // Per-step halves of rounds 0 and 1: scalars shared by every walker.
            long ps = (M1 & LO) * (s & LO);
            long pp = (M0 & LO) * (((int) (ps >>> 32) ^ seed) & LO);
            long sa = ((int) ps ^ (int) k0[1]) & LO;
            long sb = ((int) (pp >>> 32) ^ (int) k1[1]) & LO;
            long sc = ((int) pp ^ (int) k1[2]) & LO;

            // Round 2.
            LongVector c0e = ae.lanewise(VectorOperators.XOR, sa), c0o = ao.lanewise(VectorOperators.XOR, sa);
            LongVector c2e = le.lanewise(VectorOperators.XOR, sb), c2o = lo.lanewise(VectorOperators.XOR, sb);
            LongVector p0e = mul32(c0e, m0), p0o = mul32(c0o, m0);
            LongVector p1e = mul32(c2e, m1), p1o = mul32(c2o, m1);
            c0e = hi(p1e).lanewise(VectorOperators.XOR, be);
            c0o = hi(p1o).lanewise(VectorOperators.XOR, bo);
            LongVector c1e = p1e, c1o = p1o;
            c2e = hi(p0e).lanewise(VectorOperators.XOR, sc);
            c2o = hi(p0o).lanewise(VectorOperators.XOR, sc);
            LongVector c3e = p0e, c3o = p0o;

            // Rounds 3..8.
            for (int r = 3; r < 9; r++) {
                p0e = mul32(c0e, m0);
                p0o = mul32(c0o, m0);
                p1e = mul32(c2e, m1);
                p1o = mul32(c2o, m1);
                c0e = hi(p1e).lanewise(VectorOperators.XOR, c1e.lanewise(VectorOperators.XOR, k0[r]));
                c0o = hi(p1o).lanewise(VectorOperators.XOR, c1o.lanewise(VectorOperators.XOR, k0[r]));
                c2e = hi(p0e).lanewise(VectorOperators.XOR, c3e.lanewise(VectorOperators.XOR, k1[r]));
                c2o = hi(p0o).lanewise(VectorOperators.XOR, c3o.lanewise(VectorOperators.XOR, k1[r]));
                c1e = p1e;
                c1o = p1o;
                c3e = p0e;
                c3o = p0o;
            }

            // Round 9: only output words 0 and 1.
            p1e = mul32(c2e, m1);
            p1o = mul32(c2o, m1);
            IntVector o0 = merge(hi(p1e).lanewise(VectorOperators.XOR, c1e.lanewise(VectorOperators.XOR, k0[9])),
                    hi(p1o).lanewise(VectorOperators.XOR, c1o.lanewise(VectorOperators.XOR, k0[9])));
            IntVector o1 = merge(p1e, p1o);

            // Box-Muller on pair 0.
            FloatVector u1 = ((FloatVector) o0.lanewise(VectorOperators.LSHR, 8).add(1)
                    .convert(VectorOperators.I2F, 0)).mul(0x1.0p-24f);
            FloatVector u2 = ((FloatVector) o1.lanewise(VectorOperators.LSHR, 8)
                    .convert(VectorOperators.I2F, 0)).mul(0x1.0p-24f);
            FloatVector rad = u1.lanewise(VectorOperators.LOG).mul(-2f).sqrt();
            FloatVector th = u2.mul(PhiloxNormals.TWO_PI);
            FloatVector z0 = rad.mul(th.lanewise(VectorOperators.COS));
            FloatVector z1 = rad.mul(th.lanewise(VectorOperators.SIN));

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
                x0 = x0.sub(twoL, x0.compare(VectorOperators.GE, l)).add(twoL, x0.compare(VectorOperators.LT, negL));
                x1 = x1.sub(twoL, x1.compare(VectorOperators.GE, l)).add(twoL, x1.compare(VectorOperators.LT, negL));
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
