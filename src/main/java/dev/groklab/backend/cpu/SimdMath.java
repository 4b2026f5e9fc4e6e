package dev.groklab.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, log, tanh and sin/cos built only from add, mul, fma, comparisons and bit operations, in a
 * vector and a scalar form that give the same bits. The Vector API's own transcendental
 * operators (and reduceLanes(ADD)) may differ by an ulp between interpreter, C1 and C2, which
 * would break bit-exact resume; these do not. Polynomials are Cephes' single-precision minimax
 * fits (about 1 ulp).
 */
public final class SimdMath {
    public static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> SI = IntVector.SPECIES_PREFERRED;

    // Above EXP_HI (a little beyond ln(FLT_MAX) = 88.7228) every result overflows anyway.
    private static final float EXP_HI = 88.8f, EXP_LO = -87.3365447504f;
    private static final float LOG2E = 1.44269504088896341f, C1 = 0.693359375f, C2 = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5·2^23: adding and subtracting it rounds to an integer
    private static final float SQRTHF = 0.707106781186547524f;
    private static final float PIO2 = 1.5707963267948966f;

    private SimdMath() {}



    // ---- exp -----------------------------------------------------------------------------------

    public static float exp(float x) {
        if (x != x) return x;
        if (x < EXP_LO) return 0f;
        float xc = Math.min(x, EXP_HI);
        float n = (xc * LOG2E + ROUND) - ROUND;
        float r = Math.fma(n, -C1, xc);
        r = Math.fma(n, -C2, r);
        float p = expPoly(r);
        // 2^n as 2^(n/2)·2^(n − n/2): n reaches 128 near the top of the range, where 2^n alone is
        // not a float. Both factors are exact, so wherever 2^n is a float the result is the same.
        int n1 = (int) n >> 1;
        return p * Float.intBitsToFloat((n1 + 127) << 23) * Float.intBitsToFloat(((int) n - n1 + 127) << 23);
    }

    private static float expPoly(float r) {
        float p = 1.9875691500e-4f;
        p = Math.fma(p, r, 1.3981999507e-3f);
        p = Math.fma(p, r, 8.3334519073e-3f);
        p = Math.fma(p, r, 4.1665795894e-2f);
        p = Math.fma(p, r, 1.6666665459e-1f);
        p = Math.fma(p, r, 5.0000001201e-1f);
        return Math.fma(p, r * r, r) + 1f;
    }

    public static FloatVector exp(FloatVector x) {
        VectorMask<Float> under = x.lt(EXP_LO);
        FloatVector xc = x.min(EXP_HI).max(EXP_LO);
        FloatVector n = xc.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -C1), xc);
        r = n.fma(FloatVector.broadcast(S, -C2), r);
        FloatVector p = FloatVector.broadcast(S, 1.9875691500e-4f);
        p = p.fma(r, FloatVector.broadcast(S, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        p = p.fma(r.mul(r), r).add(1f);
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector y = p.mul(n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                .mul(ni.sub(n1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
        y = y.blend(0f, under);
        return y.blend(x, x.test(jdk.incubator.vector.VectorOperators.IS_NAN));
    }

    // ---- log -----------------------------------------------------------------------------------

    public static float log(float x) {
        if (x != x || x < 0) return Float.NaN;
        if (x == 0) return Float.NEGATIVE_INFINITY;
        if (x == Float.POSITIVE_INFINITY) return x;
        int bits = Float.floatToRawIntBits(x);
        float e = 0;
        if (bits < 0x00800000) {               // subnormal: scale into the normal range
            bits = Float.floatToRawIntBits(x * 8388608f);
            e = -23;
        }
        e += (bits >>> 23) - 126;
        float m = Float.intBitsToFloat((bits & 0x007FFFFF) | 0x3F000000);   // [0.5, 1)
        float f;
        if (m < SQRTHF) { e -= 1; f = m + m - 1f; } else { f = m - 1f; }
        return logTail(f, e);
    }

    private static float logTail(float f, float e) {
        float z = f * f;
        float p = 7.0376836292e-2f;
        p = Math.fma(p, f, -1.1514610310e-1f);
        p = Math.fma(p, f, 1.1676998740e-1f);
        p = Math.fma(p, f, -1.2420140846e-1f);
        p = Math.fma(p, f, 1.4249322787e-1f);
        p = Math.fma(p, f, -1.6668057665e-1f);
        p = Math.fma(p, f, 2.0000714765e-1f);
        p = Math.fma(p, f, -2.4999993993e-1f);
        p = Math.fma(p, f, 3.3333331174e-1f);
        float y = p * f * z;
        y = Math.fma(e, C2, y);
        y = Math.fma(-0.5f, z, y);
        return Math.fma(e, C1, f + y);
    }

    /** Natural log for positive normal inputs (subnormals, zero, negatives and NaN via the scalar path). */
    public static FloatVector log(FloatVector x) {
        VectorMask<Float> special = x.lt(Float.MIN_NORMAL).or(x.test(VectorOperators.IS_NAN)).or(x.test(VectorOperators.IS_INFINITE));
        IntVector bits = x.reinterpretAsInts();
        FloatVector e = ((IntVector) bits.lanewise(VectorOperators.LSHR, 23).sub(126)).convert(VectorOperators.I2F, 0).reinterpretAsFloats();
        FloatVector m = bits.and(0x007FFFFF).or(0x3F000000).reinterpretAsFloats();
        VectorMask<Float> small = m.lt(SQRTHF);
        e = e.sub(FloatVector.broadcast(S, 1f).blend(0f, small.not()));
        FloatVector f = m.add(m.blend(0f, small.not())).sub(1f);
        FloatVector z = f.mul(f);
        FloatVector p = FloatVector.broadcast(S, 7.0376836292e-2f);
        p = p.fma(f, FloatVector.broadcast(S, -1.1514610310e-1f));
        p = p.fma(f, FloatVector.broadcast(S, 1.1676998740e-1f));
        p = p.fma(f, FloatVector.broadcast(S, -1.2420140846e-1f));
        p = p.fma(f, FloatVector.broadcast(S, 1.4249322787e-1f));
        p = p.fma(f, FloatVector.broadcast(S, -1.6668057665e-1f));
        p = p.fma(f, FloatVector.broadcast(S, 2.0000714765e-1f));
        p = p.fma(f, FloatVector.broadcast(S, -2.4999993993e-1f));
        p = p.fma(f, FloatVector.broadcast(S, 3.3333331174e-1f));
        FloatVector y = p.mul(f).mul(z);
        y = e.fma(FloatVector.broadcast(S, C2), y);
        y = z.fma(FloatVector.broadcast(S, -0.5f), y);
        FloatVector out = e.fma(FloatVector.broadcast(S, C1), f.add(y));
        if (special.anyTrue()) {
            float[] xs = x.toArray(), os = out.toArray();
            for (int i = 0; i < xs.length; i++) if (special.laneIsSet(i)) os[i] = log(xs[i]);
            out = FloatVector.fromArray(S, os, 0);
        }
        return out;
    }

    // ---- tanh ----------------------------------------------------------------------------------

    public static float tanh(float x) {
        if (x != x) return x;
        float a = Math.abs(x);
        if (a < 0.625f) {
            float z = x * x;
            float p = -5.70498872745e-3f;
            p = Math.fma(p, z, 2.06390887954e-2f);
            p = Math.fma(p, z, -5.37397155531e-2f);
            p = Math.fma(p, z, 1.33314422036e-1f);
            p = Math.fma(p, z, -3.33332819422e-1f);
            return Math.fma(p * z, x, x);
        }
        if (a > 9f) return Math.copySign(1f, x);
        float t = 1f - 2f / (exp(2f * a) + 1f);
        return Math.copySign(t, x);
    }

    public static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector z = x.mul(x);
        FloatVector p = FloatVector.broadcast(S, -5.70498872745e-3f);
        p = p.fma(z, FloatVector.broadcast(S, 2.06390887954e-2f));
        p = p.fma(z, FloatVector.broadcast(S, -5.37397155531e-2f));
        p = p.fma(z, FloatVector.broadcast(S, 1.33314422036e-1f));
        p = p.fma(z, FloatVector.broadcast(S, -3.33332819422e-1f));
        FloatVector small = p.mul(z).fma(x, x);
        FloatVector big = FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(exp(a.mul(2f).min(18f)).add(1f)));
        big = big.blend(1f, a.compare(VectorOperators.GT, 9f));
        big = big.reinterpretAsInts().or(x.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();   // copy the sign of x
        FloatVector r = big.blend(small, a.lt(0.625f));
        return r.blend(x, x.test(VectorOperators.IS_NAN));
    }

    // ---- sin and cos of a fraction of a turn (Box-Muller) --------------------------------------

    /** sin(2π·t) and cos(2π·t) for t in [0, 1), written to out[0], out[1]. */
    public static void sinCosTurns(float t, float[] out) {
        float k = (4f * t + ROUND) - ROUND;        // nearest quarter turn, 0..4
        float x = (t - 0.25f * k) * 4f * PIO2;     // [-π/4, π/4]
        float z = x * x;
        float s = Math.fma(Math.fma(Math.fma(-1.9515295891e-4f, z, 8.3321608736e-3f), z, -1.6666654611e-1f) * z, x, x);
        float c = Math.fma(Math.fma(Math.fma(2.443315711809948e-5f, z, -1.388731625493765e-3f), z, 4.166664568298827e-2f) * z, z, Math.fma(-0.5f, z, 1f));
        int q = ((int) k) & 3;
        switch (q) {
            case 0 -> { out[0] = s; out[1] = c; }
            case 1 -> { out[0] = c; out[1] = -s; }
            case 2 -> { out[0] = -s; out[1] = -c; }
            default -> { out[0] = -c; out[1] = s; }
        }
    }

    /** Vector form of {@link #sinCosTurns(float, float[])}: returns {sin, cos}. */
    public static FloatVector[] sinCosTurns(FloatVector t) {
        FloatVector k = t.mul(4f).add(ROUND).sub(ROUND);
        FloatVector x = t.sub(k.mul(0.25f)).mul(4f * PIO2);
        FloatVector z = x.mul(x);
        FloatVector s = FloatVector.broadcast(S, -1.9515295891e-4f).fma(z, FloatVector.broadcast(S, 8.3321608736e-3f)).fma(z, FloatVector.broadcast(S, -1.6666654611e-1f)).mul(z).fma(x, x);
        FloatVector c = FloatVector.broadcast(S, 2.443315711809948e-5f).fma(z, FloatVector.broadcast(S, -1.388731625493765e-3f)).fma(z, FloatVector.broadcast(S, 4.166664568298827e-2f))
                .mul(z).fma(z, z.fma(FloatVector.broadcast(S, -0.5f), FloatVector.broadcast(S, 1f)));
        IntVector q = ((IntVector) k.convert(VectorOperators.F2I, 0)).and(3);
        VectorMask<Float> odd = q.and(1).compare(VectorOperators.NE, 0).cast(S);
        VectorMask<Float> sinNeg = q.compare(VectorOperators.GE, 2).cast(S);
        VectorMask<Float> cosNeg = q.compare(VectorOperators.EQ, 1).or(q.compare(VectorOperators.EQ, 2)).cast(S);
        FloatVector sin = s.blend(c, odd), cos = c.blend(s, odd);
        sin = sin.blend(sin.neg(), sinNeg);
        cos = cos.blend(cos.neg(), cosNeg);
        return new FloatVector[]{sin, cos};
    }

    // ---- sums in a fixed order -----------------------------------------------------------------

    /** Lane sum in lane order: the same bits on every JIT tier (reduceLanes(ADD) is not). */
    public static float sum(FloatVector v) {
        float s = 0;
        for (int i = 0; i < v.length(); i++) s += v.lane(i);
        return s;
    }
}
