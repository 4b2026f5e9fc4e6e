package dev.groklab.backend.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The deterministic transcendental functions: accurate, and vector lanes equal the scalar form bit for bit. */
class SimdMathTest {
    private static final int L = SimdMath.S.length();

    private interface Scalar { float f(float x); }
    private interface Vec { FloatVector f(FloatVector x); }

    private static void check(String name, Scalar sc, Vec vec, java.util.function.DoubleUnaryOperator exact,
                              double lo, double hi, double relTol, double absTol) {
        Random r = new Random(12345);
        float[] xs = new float[L];
        for (int trial = 0; trial < 3000; trial++) {
            for (int i = 0; i < L; i++) xs[i] = (float) (lo + (hi - lo) * r.nextDouble());
            float[] vs = vec.f(FloatVector.fromArray(SimdMath.S, xs, 0)).toArray();
            for (int i = 0; i < L; i++) {
                float s = sc.f(xs[i]);
                assertEquals(Float.floatToIntBits(s), Float.floatToIntBits(vs[i]), name + ": vector lane differs from scalar at x=" + xs[i]);
                double e = exact.applyAsDouble(xs[i]);
                assertTrue(Math.abs(s - e) <= relTol * Math.abs(e) + absTol, name + "(" + xs[i] + ") = " + s + ", exact " + e);
            }
        }
    }

    @Test void expIsAccurateAndDeterministic() {
        check("exp", SimdMath::exp, SimdMath::exp, Math::exp, -80, 80, 3e-7, 0);
        check("exp small", SimdMath::exp, SimdMath::exp, Math::exp, -1, 1, 3e-7, 0);
        // Up to ln(FLT_MAX) = 88.7228 the result is finite and accurate, beyond it infinite.
        check("exp top", SimdMath::exp, SimdMath::exp, Math::exp, 80, 88.7228, 3e-7, 0);
        for (float x : new float[]{88.7229f, 88.8f, 100f, Float.POSITIVE_INFINITY}) {
            assertEquals(Float.POSITIVE_INFINITY, SimdMath.exp(x), "exp(" + x + ")");
            assertEquals(Float.POSITIVE_INFINITY, SimdMath.exp(FloatVector.broadcast(SimdMath.S, x)).lane(0), "exp(" + x + ") in lanes");
        }
        assertEquals(0f, SimdMath.exp(-100f));
        assertEquals(1f, SimdMath.exp(0f));
        assertTrue(Float.isNaN(SimdMath.exp(Float.NaN)));
    }

    @Test void logIsAccurateAndDeterministic() {
        check("log", SimdMath::log, SimdMath::log, Math::log, 1e-30, 1e30, 1e-6, 1e-7);
        check("log near 1", SimdMath::log, SimdMath::log, Math::log, 0.5, 2, 1e-6, 1e-7);
        assertEquals(Float.NEGATIVE_INFINITY, SimdMath.log(0f));
        assertTrue(Float.isNaN(SimdMath.log(-1f)));
        assertEquals(Math.log(1e-40), SimdMath.log(1e-40f), 1e-5);
    }

    @Test void tanhIsAccurateAndDeterministic() {
        check("tanh", SimdMath::tanh, SimdMath::tanh, Math::tanh, -12, 12, 1e-6, 1e-7);
        check("tanh small", SimdMath::tanh, SimdMath::tanh, Math::tanh, -0.7, 0.7, 1e-6, 1e-8);
    }

    @Test void sinCosTurnsIsAccurateAndDeterministic() {
        float[] o = new float[2];
        check("sin", t -> { SimdMath.sinCosTurns(t, o); return o[0]; }, v -> SimdMath.sinCosTurns(v)[0],
                t -> Math.sin(2 * Math.PI * t), 0, 1, 0, 3e-7);
        check("cos", t -> { SimdMath.sinCosTurns(t, o); return o[1]; }, v -> SimdMath.sinCosTurns(v)[1],
                t -> Math.cos(2 * Math.PI * t), 0, 1, 0, 3e-7);
    }

    @Test void laneSumIsInLaneOrder() {
        float[] a = new float[L];
        for (int i = 0; i < L; i++) a[i] = (float) Math.pow(-1, i) * (1 + i * 1e-3f);
        float s = 0;
        for (float v : a) s += v;
        assertEquals(s, SimdMath.sum(FloatVector.fromArray(SimdMath.S, a, 0)));
    }
}
