package dev.groklab.backend.cpu;

import dev.groklab.backend.AdamStep;
import dev.groklab.backend.Binary;
import dev.groklab.backend.Unary;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The reference against values computed by hand: the fast kernels are only as right as it is. */
class ReferenceBackendTest {
    private static final ReferenceBackend REF = new ReferenceBackend();

    private static Tensor f64(double[] v, int... shape) { return REF.fromHost(v, shape); }

    private static Tensor zeros(int... shape) {
        Tensor t = REF.empty(DType.F64, shape);
        REF.fill(t, 0);
        return t;
    }

    @Test void softmaxKnownRowAndRowsSumToOne() {
        try (Scope s = Scope.open()) {
            Tensor x = f64(new double[]{0, Math.log(2), 5, 5}, 2, 2);
            Tensor y = zeros(2, 2);
            REF.softmax(x, y);
            assertArrayEquals(new double[]{1 / 3.0, 2 / 3.0, 0.5, 0.5}, y.toDoubleArray(), 1e-15);

            Tensor big = Check.randnF64(REF, new Random(7), 9, 31);
            Tensor p = zeros(9, 31), lp = zeros(9, 31);
            REF.softmax(big, p);
            REF.logSoftmax(big, lp);
            for (int r = 0; r < 9; r++) {
                double sum = 0;
                for (int j = 0; j < 31; j++) {
                    sum += p.getDouble(r * 31 + j);
                    assertEquals(Math.log(p.getDouble(r * 31 + j)), lp.getDouble(r * 31 + j), 1e-12);
                }
                assertEquals(1, sum, 1e-12);
            }
        }
    }

    @Test void softmaxIsShiftInvariantForHugeLogits() {
        try (Scope s = Scope.open()) {
            Tensor x = f64(new double[]{1000, 1001, 1002}, 1, 3);
            Tensor y = zeros(1, 3);
            REF.softmax(x, y);
            double z = 1 + Math.exp(-1) + Math.exp(-2);
            assertArrayEquals(new double[]{Math.exp(-2) / z, Math.exp(-1) / z, 1 / z}, y.toDoubleArray(), 1e-15);
        }
    }

    @Test void crossEntropyOfAKnownRow() {
        try (Scope s = Scope.open()) {
            // row 0: logits 1, 2, 3 with target 2; row 1: uniform logits, target 0 → log 3
            Tensor x = f64(new double[]{1, 2, 3, 4, 4, 4}, 2, 3);
            Tensor t = REF.fromHost(new int[]{2, 0}, 2);
            Tensor loss = zeros(2), lse = zeros(2);
            REF.crossEntropy(x, t, loss, lse);
            double l0 = Math.log(Math.E + Math.exp(2) + Math.exp(3));
            assertEquals(l0 - 3, loss.getDouble(0), 1e-14);
            assertEquals(0.40760596444438, loss.getDouble(0), 1e-12);
            assertEquals(Math.log(3), loss.getDouble(1), 1e-14);
            assertEquals(4 + Math.log(3), lse.getDouble(1), 1e-14);

            Tensor g = zeros(2, 3), gl = f64(new double[]{1, 2}, 2);
            REF.crossEntropyBackward(x, t, lse, gl, g);
            double[] gv = g.toDoubleArray();
            assertEquals(Math.exp(1 - l0), gv[0], 1e-14);
            assertEquals(Math.exp(3 - l0) - 1, gv[2], 1e-14);
            assertEquals(2 * (1 / 3.0 - 1), gv[3], 1e-14);
            assertEquals(2 / 3.0, gv[4], 1e-14);
            assertEquals(0, gv[0] + gv[1] + gv[2], 1e-14);     // gradient rows sum to zero
        }
    }

    @Test void crossEntropySharesTargetsAcrossModels() {
        try (Scope s = Scope.open()) {
            Tensor x = f64(new double[]{0, 0, 5, 0, 0, 5, 0, 0}, 4, 2);
            Tensor t = REF.fromHost(new int[]{1, 0}, 2);
            Tensor loss = zeros(4), lse = zeros(4);
            REF.crossEntropy(x, t, loss, lse);
            double small = Math.log1p(Math.exp(-5)), big = 5 + small;
            // rows [0,0] [5,0] [0,5] [0,0] with targets 1, 0, 1, 0: the two middle rows pick their 5
            assertArrayEquals(new double[]{Math.log(2), small, small, Math.log(2)}, loss.toDoubleArray(), 1e-14);
            assertEquals(big, lse.getDouble(1), 1e-14);
            assertThrows(IllegalArgumentException.class, () -> REF.crossEntropy(x, REF.fromHost(new int[]{0, 1, 1}, 3), loss, lse));
        }
    }

    @Test void layerNormHasZeroMeanUnitVariance() {
        try (Scope s = Scope.open()) {
            Tensor x = Check.randnF64(REF, new Random(11), 5, 40);
            Tensor gamma = f64(new double[40], 40), beta = zeros(40);
            REF.fill(gamma, 1);
            Tensor out = zeros(5, 40), mean = zeros(5), rstd = zeros(5);
            REF.layerNorm(x, gamma, beta, 0, out, mean, rstd);
            for (int r = 0; r < 5; r++) {
                double mu = 0, var = 0;
                for (int j = 0; j < 40; j++) mu += out.getDouble(r * 40 + j);
                mu /= 40;
                for (int j = 0; j < 40; j++) var += Math.pow(out.getDouble(r * 40 + j) - mu, 2);
                assertEquals(0, mu, 1e-12);
                assertEquals(1, var / 40, 1e-12);
            }
            // a known row: [1, 2, 3, 4] has mean 2.5 and variance 1.25
            Tensor k = f64(new double[]{1, 2, 3, 4}, 1, 4);
            Tensor g = f64(new double[]{2, 2, 2, 2}, 4), b = f64(new double[]{1, 1, 1, 1}, 4);
            Tensor o = zeros(1, 4), m = zeros(1), rs = zeros(1);
            REF.layerNorm(k, g, b, 0, o, m, rs);
            double inv = 1 / Math.sqrt(1.25);
            assertArrayEquals(new double[]{1 - 3 * inv, 1 - inv, 1 + inv, 1 + 3 * inv}, o.toDoubleArray(), 1e-14);
            assertEquals(2.5, m.getDouble(0), 1e-15);
            assertEquals(inv, rs.getDouble(0), 1e-15);
        }
    }

    @Test void adamwOneStepByHand() {
        try (Scope s = Scope.open()) {
            // two models with different lr / wd; p = 1, g = 0.5, fresh state
            Tensor p = f64(new double[]{1, 1}, 2, 1), g = f64(new double[]{0.5, 0.5}, 2, 1);
            Tensor m = zeros(2, 1), v = zeros(2, 1);
            AdamStep h = new AdamStep(new float[]{0.1f, 0.01f}, new float[]{0.01f, 0}, 0.9f, 0.999f, 1e-8f, 1);
            REF.adamw(p, g, m, v, null, h);
            double b1 = 0.9f, b2 = 0.999f;
            double mi = (1 - b1) * 0.5, vi = (1 - b2) * 0.25;
            double mh = mi / (1 - b1), vh = vi / (1 - b2);          // 0.5 and 0.25: the first step is ±lr
            double lr0 = 0.1f, wd0 = 0.01f, lr1 = 0.01f;
            double p0 = 1 - lr0 * wd0 - lr0 * mh / (Math.sqrt(vh) + 1e-8f);
            double p1 = 1 - lr1 * mh / (Math.sqrt(vh) + 1e-8f);
            assertEquals(0.899, p0, 1e-7);
            assertEquals(p0, p.getDouble(0), 1e-12);
            assertEquals(p1, p.getDouble(1), 1e-12);
            assertEquals(mi, m.getDouble(0), 1e-12);
            assertEquals(vi, v.getDouble(1), 1e-12);

            // decay toward the initial weights: p already at its target decays not at all
            Tensor p2 = f64(new double[]{3, 3}, 2, 1), target = f64(new double[]{3, 3}, 2, 1);
            REF.adamw(p2, g, zeros(2, 1), zeros(2, 1), target, h);
            assertEquals(3 - lr0 * mh / (Math.sqrt(vh) + 1e-8f), p2.getDouble(0), 1e-12);
        }
    }

    @Test void binaryBroadcastsColumnAgainstRow() {
        try (Scope s = Scope.open()) {
            Tensor a = f64(new double[]{0, 10, 20}, 3, 1), b = f64(new double[]{1, 2, 3, 4}, 1, 4);
            Tensor out = zeros(3, 4);
            REF.binary(Binary.ADD, a, b, out);
            assertArrayEquals(new double[]{1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24}, out.toDoubleArray(), 0);
            REF.binary(Binary.SUB, a, b, out);
            assertArrayEquals(new double[]{-1, -2, -3, -4, 9, 8, 7, 6, 19, 18, 17, 16}, out.toDoubleArray(), 0);
            Tensor bias = f64(new double[]{1, -1}, 2), x = f64(new double[]{1, 2, 3, 4, 5, 6}, 3, 2), o2 = zeros(3, 2);
            REF.binary(Binary.MUL, x, bias, o2);
            assertArrayEquals(new double[]{1, -2, 3, -4, 5, -6}, o2.toDoubleArray(), 0);
            assertThrows(IllegalArgumentException.class, () -> REF.binary(Binary.ADD, a, f64(new double[]{1, 2}, 2), out));
        }
    }

    @Test void sumToReversesBroadcasting() {
        try (Scope s = Scope.open()) {
            Tensor x = f64(new double[]{1, 2, 3, 4, 5, 6}, 2, 3);
            Tensor cols = zeros(1, 3), rows = zeros(2, 1), all = zeros(1), flat = zeros(3);
            REF.sumTo(x, cols, false);
            REF.sumTo(x, rows, false);
            REF.sumTo(x, all, false);
            REF.sumTo(x, flat, false);
            assertArrayEquals(new double[]{5, 7, 9}, cols.toDoubleArray(), 0);
            assertArrayEquals(new double[]{6, 15}, rows.toDoubleArray(), 0);
            assertArrayEquals(new double[]{21}, all.toDoubleArray(), 0);
            assertArrayEquals(new double[]{5, 7, 9}, flat.toDoubleArray(), 0);
            REF.sumTo(x, cols, true);
            assertArrayEquals(new double[]{10, 14, 18}, cols.toDoubleArray(), 0);
            assertThrows(IllegalArgumentException.class, () -> REF.sumTo(x, zeros(2), false));
        }
    }

    @Test void unaryDerivativesByHand() {
        assertEquals(0.8411919906082768, ReferenceBackend.unary(Unary.GELU, 1), 1e-14);
        assertEquals(0, ReferenceBackend.unary(Unary.GELU, 0), 0);
        assertEquals(0.5, ReferenceBackend.derivative(Unary.GELU, 0, 0), 1e-15);
        assertEquals(1 - Math.tanh(0.5) * Math.tanh(0.5), ReferenceBackend.derivative(Unary.TANH, 0.5, Math.tanh(0.5)), 1e-15);
        assertEquals(0.25, ReferenceBackend.derivative(Unary.SQRT, 4, 2), 1e-15);
        assertEquals(-1, ReferenceBackend.derivative(Unary.ABS, -3, 3), 0);
        // GELU's derivative against a central difference
        double x = 0.7, h = 1e-6;
        double fd = (ReferenceBackend.unary(Unary.GELU, x + h) - ReferenceBackend.unary(Unary.GELU, x - h)) / (2 * h);
        assertEquals(fd, ReferenceBackend.derivative(Unary.GELU, x, ReferenceBackend.unary(Unary.GELU, x)), 1e-8);
    }
}
