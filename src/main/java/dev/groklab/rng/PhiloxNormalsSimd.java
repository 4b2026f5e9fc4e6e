package dev.groklab.rng;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.ASHR;
import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.NE;
import static jdk.incubator.vector.VectorOperators.XOR;

/**
 * {@link PhiloxNormals#stepPair} for {@link #VL} consecutive items at once, Philox4x32-10 and
 * Box–Muller in SIMD lanes: the noise of a batch of walkers for a window of steps.
 *
 * <p>Philox needs 32×32→64-bit products. Each 32-bit word of the state lives in two
 * {@code LongVector}s, one for the even items and one for the odd items, one word per 64-bit
 * lane: masking both factors to 32 bits lets C2 emit one unsigned 32-bit multiply per lane pair,
 * and the upper halves may hold garbage wherever only the low 32 bits are read. Reading the low
 * halves of the even and odd vectors as one int vector puts item base + i in int lane i.
 *
 * <p>With the counter (w, 0, t, 0) the first two rounds split into a part that depends only on
 * the item and a part that depends only on t, so they cost a scalar computation per block and
 * two XORs per vector.
 *
 * <p>Philox fills the window with raw words first, as float bits in the slots of their normals
 * (vector loads and stores move the bits unchanged, NaN patterns included), and Box–Muller then
 * replaces them in place: each pass keeps its vectors in registers, where one loop doing both
 * spilled to the stack (about 10% slower).
 *
 * <p>Box–Muller's log, sin and cos are fixed polynomials (an exponent split and the atanh series
 * for log; an exact integer reduction of θ to [−π/4, π/4] and Taylor polynomials for sin and
 * cos). They cost less than the Vector API's LOG/SIN/COS on this hardware and, unlike those, give
 * the same bits on every CPU whichever vector math library the JDK finds. The reduction uses the
 * exact angle 2π·u2 where the scalar reference rounds TWO_PI·u2 to float first, so the normals
 * equal {@link PhiloxNormals#stepPair} to fp32 tolerance (within 2e-6), not bit for bit.
 */
public final class PhiloxNormalsSimd {
    public static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    static final VectorSpecies<Long> LS = VectorSpecies.of(long.class, FS.vectorShape());
    /** Items per call. */
    public static final int VL = FS.length();

    private static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9, W1 = 0xBB67AE85;
    private static final long LO = 0xFFFFFFFFL;
    private static final VectorMask<Integer> ODD = oddLanes();

    // log: ln 2 split so e·LN2_HI is exact; series 2·atanh(s) = s·(2 + 2z/3 + 2z²/5 + 2z³/7 + 2z⁴/9).
    private static final int SQRT_HALF_BITS = 0x3F3504F3;
    private static final float LN2_HI = 0.693145751953125f, LN2_LO = 1.42860676533018e-06f;

    private PhiloxNormalsSimd() {}

    private static FloatVector bc(float v) { return FloatVector.broadcast(FS, v); }

    private static VectorMask<Integer> oddLanes() {
        boolean[] odd = new boolean[IS.length()];
        for (int i = 0; i < odd.length; i++) odd[i] = (i & 1) == 1;
        return VectorMask.fromArray(IS, odd, 0);
    }

    /** Unsigned 32×32→64 product of the low halves. */
    private static LongVector mul32(LongVector x, LongVector m) {
        return x.and(LO).mul(m.and(LO));
    }

    /**
     * The step-pair normals of items base..base+VL for steps from..from+n under key (seed,
     * stream): step from + i's pair for item base + j goes to z[off + 2i·VL + j] (first normal)
     * and z[off + (2i + 1)·VL + j] (second). z needs 2·n·VL floats from off on.
     */
    public static void stepPairs(int seed, int stream, int base, int from, int n, float[] z, int off) {
        stepPairs(seed, stream, base, 1, from, n, z, off);
    }

    /**
     * {@link #stepPairs(int, int, int, int, int, float[], int)} for {@code blocks} consecutive
     * groups of VL items, group g (items base + g·VL ..) at off + 2g·n·VL: one Box–Muller pass over
     * all of them, whose longer loops overlap better than one per group.
     */
    public static void stepPairs(int seed, int stream, int base, int blocks, int from, int n, float[] z, int off) {
        if (from < 0 || n < 0 || (long) from + n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("steps must lie in 0.." + Integer.MAX_VALUE + ", got " + from + " + " + n);
        }
        if (blocks < 1 || off < 0 || z.length - off < 2L * blocks * n * VL) {
            throw new IllegalArgumentException("z holds " + z.length + " floats, needs " + 2L * blocks * n * VL + " from " + off);
        }
        for (int g = 0; g < blocks; g++) philox(seed, stream, base + g * VL, from, n, z, off + 2 * g * n * VL);
        boxMuller(z, off, blocks * n);
    }

    /** Philox's raw words for one group, as float bits in the slots of their normals. */
    private static void philox(int seed, int stream, int base, int from, int n, float[] z, int off) {
        LongVector m0 = LongVector.broadcast(LS, M0 & LO), m1 = LongVector.broadcast(LS, M1 & LO);
        long[] k0 = new long[10], k1 = new long[10];
        for (int r = 0; r < 10; r++) {
            k0[r] = (seed + r * W0) & LO;
            k1[r] = (stream + r * W1) & LO;
        }

        // Per-item halves of rounds 0 and 1 (see the class comment).
        LongVector iota = LongVector.zero(LS).addIndex(2);
        LongVector pe = mul32(iota.add(base), m0), po = mul32(iota.add(base + 1), m0);
        LongVector qe = pe.lanewise(LSHR, 32).lanewise(XOR, k1[0]).and(LO).mul(m1.and(LO));
        LongVector qo = po.lanewise(LSHR, 32).lanewise(XOR, k1[0]).and(LO).mul(m1.and(LO));
        LongVector ae = qe.lanewise(LSHR, 32), ao = qo.lanewise(LSHR, 32);
        LongVector be = qe.lanewise(XOR, k0[2]), bo = qo.lanewise(XOR, k0[2]);
        LongVector le = pe, lo = po;

        long end = (long) from + n;
        for (long s = from; s < end; ) {
            // Block t feeds steps 2t (pair 0: words 0, 1) and 2t + 1 (pair 1: words 2, 3).
            int t = (int) (s >>> 1);
            // Per-block halves of rounds 0 and 1: scalars shared by every item.
            long ps = (M1 & LO) * (t & LO);
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

            // Rounds 3..9.
            for (int r = 3; r < 10; r++) {
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

            // Even items' words in the even int lanes, odd items' (shifted up) in the odd ones.
            IntVector o0 = c0e.reinterpretAsInts().blend(c0o.lanewise(LSHL, 32).reinterpretAsInts(), ODD);
            IntVector o1 = c1e.reinterpretAsInts().blend(c1o.lanewise(LSHL, 32).reinterpretAsInts(), ODD);
            IntVector o2 = c2e.reinterpretAsInts().blend(c2o.lanewise(LSHL, 32).reinterpretAsInts(), ODD);
            IntVector o3 = c3e.reinterpretAsInts().blend(c3o.lanewise(LSHL, 32).reinterpretAsInts(), ODD);

            // The raw words of the steps that lie in the window (it may start at an odd step or
            // end at an even one), as float bits in the slots their normals will take.
            long s0 = 2L * t;
            if (s0 >= from) {
                int at = off + (int) (s0 - from) * 2 * VL;
                o0.reinterpretAsFloats().intoArray(z, at);
                o1.reinterpretAsFloats().intoArray(z, at + VL);
            }
            if (s0 + 1 < end) {
                int at = off + (int) (s0 + 1 - from) * 2 * VL;
                o2.reinterpretAsFloats().intoArray(z, at);
                o3.reinterpretAsFloats().intoArray(z, at + VL);
            }
            s = s0 + 2;
        }
    }

    /**
     * Box–Muller in place on n steps' raw words: u1 = k·2⁻²⁴ with k in [1, 2²⁴] from the first
     * word of a pair, u2 from the second. Passes of their own: with Philox in the same loop the
     * live vectors outnumber the registers and C2 spills them. The radius pass (a division, a
     * square root) and the angle pass (polynomials) each run over the window, the radius into
     * the first word's slot: one long chain per vector holds so many 256-bit registers in
     * flight that the processor overlaps fewer vectors; split, Box–Muller runs ≈ 20% faster. Polynomials are in Estrin's form; the angle is reduced in integer
     * arithmetic, which saves two conversions and three shifts (two cycles per 256-bit shift on
     * this hardware) per pair of vectors.
     */
    private static void boxMuller(float[] z, int off, int n) {
        // The log series scaled by −2 (exact), so the polynomial yields −2·log(u1) directly.
        FloatVector l0 = bc(-4f), l1 = bc(-4f / 3), l2 = bc(-4f / 5), l3 = bc(-4f / 7), l4 = bc(-4f / 9);
        FloatVector ln2Hi = bc(-2 * LN2_HI), ln2Lo = bc(-2 * LN2_LO);
        for (int i = 0; i < n; i++) {
            int at = off + 2 * i * VL;
            IntVector w0 = FloatVector.fromArray(FS, z, at).reinterpretAsInts();
            // log(u1) = log(k) − 24·ln2 = e·ln2 + log(m) with m in [√½, √2): subtracting √½'s bits
            // (and 24 from the exponent) puts the split at √½; log(m) = 2·atanh((m − 1)/(m + 1)).
            FloatVector k = (FloatVector) w0.lanewise(LSHR, 8).add(1).convert(I2F, 0);
            IntVector kb = k.reinterpretAsInts().sub(SQRT_HALF_BITS + (24 << 23));
            FloatVector ef = (FloatVector) kb.lanewise(ASHR, 23).convert(I2F, 0);
            FloatVector fm = kb.and(0x007FFFFF).add(SQRT_HALF_BITS).reinterpretAsFloats().sub(1f);
            FloatVector sm = fm.div(fm.add(2f));
            FloatVector zm = sm.mul(sm), zm2 = zm.mul(zm);
            FloatVector poly = zm2.fma(zm2.fma(l4, zm.fma(l3, l2)), zm.fma(l1, l0));
            ef.fma(ln2Hi, sm.fma(poly, ef.mul(ln2Lo))).sqrt().intoArray(z, at);
        }

        // sin and cos: Taylor terms to x⁹ and x¹⁰ (error < 2e-9 on |x| ≤ π/4).
        FloatVector s1 = bc(-1f / 6), s2 = bc(1f / 120), s3 = bc(-1f / 5040), s4 = bc(1f / 362880);
        FloatVector c1 = bc(1f / 24), c2 = bc(-1f / 720), c3 = bc(1f / 40320), c4 = bc(-1f / 3628800);
        FloatVector minusHalf = bc(-0.5f), one = bc(1f), angleStep = bc(PhiloxNormals.TWO_PI * 0x1.0p-32f);
        for (int i = 0; i < n; i++) {
            int at = off + 2 * i * VL;
            FloatVector rad = FloatVector.fromArray(FS, z, at);
            IntVector w1 = FloatVector.fromArray(FS, z, at + VL).reinterpretAsInts();
            // θ = 2π·j·2⁻²⁴ with j = w1 >>> 8. h = w1 + 2²⁹ (mod 2³²) holds the quadrant
            // q = round(4θ/2π) mod 4 in bits 30 and 31, and j − q·2²², offset by 2²¹, in bits 8..29;
            // so x = θ − q·π/2 in [−π/4, π/4] takes one conversion and no shift.
            IntVector h = w1.add(1 << 29);
            FloatVector x = ((FloatVector) h.and(0x3FFFFF00).sub(1 << 29).convert(I2F, 0)).mul(angleStep);
            FloatVector xx = x.mul(x), x4 = xx.mul(xx);
            FloatVector sn = x.mul(xx).fma(x4.fma(xx.fma(s4, s3), xx.fma(s2, s1)), x);
            FloatVector cs = x4.fma(x4.fma(xx.fma(c4, c3), xx.fma(c2, c1)), xx.fma(minusHalf, one));
            // Odd quadrants swap sin and cos; bit 31 of q·2³⁰ and (q + 1)·2³⁰ are their signs.
            VectorMask<Integer> swap = h.and(1 << 30).compare(NE, 0);
            IntVector sinBits = sn.reinterpretAsInts().blend(cs.reinterpretAsInts(), swap).lanewise(XOR, h.and(1 << 31));
            IntVector cosBits = cs.reinterpretAsInts().blend(sn.reinterpretAsInts(), swap)
                    .lanewise(XOR, h.add(1 << 30).and(1 << 31));
            rad.mul(cosBits.reinterpretAsFloats()).intoArray(z, at);
            rad.mul(sinBits.reinterpretAsFloats()).intoArray(z, at + VL);
        }
    }
}
