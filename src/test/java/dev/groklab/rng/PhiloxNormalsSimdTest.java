package dev.groklab.rng;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lanes' step-pair normals against the scalar {@link PhiloxNormals#stepPair}: same Philox
 * bits, so the normals differ only by the polynomial log/sin/cos (a few ulp), on random item
 * offsets, odd first steps and odd window lengths.
 */
class PhiloxNormalsSimdTest {
    private static final int VL = PhiloxNormalsSimd.VL;

    @Test void equalsTheScalarStepPairsOnRandomWindows() {
        SplittableRandom rnd = new SplittableRandom(11);
        int[] bits = new int[4];
        float[] ref = new float[2];
        double worst = 0;
        for (int trial = 0; trial < 40; trial++) {
            int seed = rnd.nextInt(), stream = rnd.nextInt(1, 9);
            int base = rnd.nextInt(0, 1 << 30);
            int from = trial == 0 ? Integer.MAX_VALUE - 5 : rnd.nextInt(0, 1 << 20) * 2 + (trial & 1);
            int n = trial == 0 ? 5 : rnd.nextInt(1, 70);
            int off = (trial % 3) * 5;  // the window at an offset into a larger buffer, too
            int blocks = 1 + trial % 4;  // groups of VL items, one after the other
            float[] z = new float[off + 2 * blocks * n * VL];
            if (blocks == 1) PhiloxNormalsSimd.stepPairs(seed, stream, base, from, n, z, off);
            else PhiloxNormalsSimd.stepPairs(seed, stream, base, blocks, from, n, z, off);
            for (int i = 0; i < off; i++) assertEquals(0f, z[i], "before the offset");
            for (int g = 0; g < blocks; g++) {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < VL; j++) {
                        int item = base + g * VL + j;
                        PhiloxNormals.stepPair(seed, stream, item, from + i, bits, ref, 0);
                        for (int c = 0; c < 2; c++) {
                            float got = z[off + 2 * g * n * VL + (2 * i + c) * VL + j], want = ref[c];
                            double err = Math.abs(got - want) / Math.max(1, Math.abs(want));
                            worst = Math.max(worst, err);
                            assertTrue(err < 4e-6, "item " + item + " step " + (from + i) + " normal " + c
                                    + ": simd " + got + ", scalar " + want);
                        }
                    }
                }
            }
        }
        System.out.printf("step-pair normals, SIMD vs scalar: worst relative error %.3g%n", worst);
    }

    @Test void rejectsStepsBeyondTheCounterRangeAndShortBuffers() {
        assertThrows(IllegalArgumentException.class, () -> PhiloxNormalsSimd.stepPairs(1, 2, 0, Integer.MAX_VALUE, 2, new float[4 * VL], 0));
        assertThrows(IllegalArgumentException.class, () -> PhiloxNormalsSimd.stepPairs(1, 2, 0, 0, 3, new float[4 * VL], 0));
        assertThrows(IllegalArgumentException.class, () -> PhiloxNormalsSimd.stepPairs(1, 2, 0, 0, 2, new float[4 * VL], 1));
        assertThrows(IllegalArgumentException.class, () -> PhiloxNormalsSimd.stepPairs(1, 2, 0, 0, 1, new float[4 * VL], -1));
        assertThrows(IllegalArgumentException.class, () -> PhiloxNormalsSimd.stepPairs(1, 2, 0, 2, 0, 2, new float[6 * VL], 0));
        assertThrows(IllegalArgumentException.class, () -> PhiloxNormalsSimd.stepPairs(1, 2, 0, 0, 0, 2, new float[4 * VL], 0));
    }
}
