package dev.groklab.rng;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PhiloxNormalsTest {
    /** The documented layout: block (index, step) under key (seed, stream), pairs from lanes (0, 1) and (2, 3). */
    @Test void layoutIsBoxMullerOnTheBlockLanes() {
        int[] b = new int[4];
        float[] z = new float[4];
        for (long i : new long[]{0, 1, 77, (1L << 33) + 5}) {
            for (long s : new long[]{0, 9, (1L << 40) + 3}) {
                Philox.block((int) i, (int) (i >>> 32), (int) s, (int) (s >>> 32), 123, 4, b);
                PhiloxNormals.normals4(123, 4, i, s, z, 0);
                for (int pair = 0; pair < 2; pair++) {
                    float u1 = ((b[2 * pair] >>> 8) + 1) * 0x1.0p-24f, u2 = (b[2 * pair + 1] >>> 8) * 0x1.0p-24f;
                    float r = (float) Math.sqrt(-2f * (float) Math.log(u1)), t = 6.2831855f * u2;
                    assertEquals(r * (float) Math.cos(t), z[2 * pair], 0f);
                    assertEquals(r * (float) Math.sin(t), z[2 * pair + 1], 0f);
                    assertEquals(z[2 * pair], PhiloxNormals.normal(123, 4, i, s, 2 * pair), 0f);
                }
            }
        }
    }

    /** Step pairs: steps 2t and 2t + 1 read pairs 0 and 1 of block t. */
    @Test void stepPairsShareOneBlockBetweenTwoSteps() {
        int[] b = new int[4];
        float[] z = new float[2], four = new float[4];
        for (long i : new long[]{0, 5, (1L << 33) + 1}) {
            for (long t : new long[]{0, 7, (1L << 35) + 2}) {
                PhiloxNormals.normals4(9, 2, i, t, four, 0);
                PhiloxNormals.stepPair(9, 2, i, 2 * t, b, z, 0);
                assertEquals(four[0], z[0], 0f);
                assertEquals(four[1], z[1], 0f);
                PhiloxNormals.stepPair(9, 2, i, 2 * t + 1, b, z, 0);
                assertEquals(four[2], z[0], 0f);
                assertEquals(four[3], z[1], 0f);
            }
        }
    }

    @Test void meanVarianceAndKolmogorovSmirnov() {
        int items = 50_000, n = 4 * items;
        float[] z = new float[n];
        PhiloxNormals.fill(2024, 7, 1000, 3, z, n);
        double s = 0, s2 = 0, cross = 0;
        for (int i = 0; i < n; i++) {
            s += z[i];
            s2 += (double) z[i] * z[i];
            if ((i & 3) == 0) cross += (double) z[i] * z[i + 2];
        }
        double mean = s / n, var = s2 / n - mean * mean, corr = cross / items;
        assertEquals(0, mean, 5 / Math.sqrt(n), "mean");
        assertEquals(1, var, 5 * Math.sqrt(2.0 / n), "variance");
        assertEquals(0, corr, 5 / Math.sqrt(items), "lanes 0 and 2 uncorrelated");

        double[] sorted = new double[n];
        for (int i = 0; i < n; i++) sorted[i] = z[i];
        Arrays.sort(sorted);
        double d = 0;
        for (int i = 0; i < n; i++) {
            double f = phi(sorted[i]);
            d = Math.max(d, Math.max((i + 1.0) / n - f, f - (double) i / n));
        }
        double critical = 1.63 / Math.sqrt(n);
        System.out.printf("normals: n = %d, mean %.5f, variance %.5f, KS D = %.5f (1%% critical %.5f)%n", n, mean, var, d, critical);
        assertTrue(d < critical, "KS D " + d + " >= " + critical);
    }

    @Test void everyLaneIsNormal() {
        int items = 40_000;
        float[] z = new float[4 * items];
        PhiloxNormals.fill(5, 1, 0, 12345, z, z.length);
        for (int lane = 0; lane < 4; lane++) {
            double[] v = new double[items];
            for (int i = 0; i < items; i++) v[i] = z[4 * i + lane];
            Arrays.sort(v);
            double d = 0;
            for (int i = 0; i < items; i++) {
                double f = phi(v[i]);
                d = Math.max(d, Math.max((i + 1.0) / items - f, f - (double) i / items));
            }
            assertTrue(d < 1.63 / Math.sqrt(items), "lane " + lane + ": KS D " + d);
        }
    }

    /** Standard normal CDF via erfc (W. J. Cody's rational approximations are overkill here; this is < 1.2e-7). */
    static double phi(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2));
    }

    /** erfc by Numerical Recipes' Chebyshev fit, fractional error < 1.2e-7. */
    static double erfc(double x) {
        double z = Math.abs(x), t = 1 / (1 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
