package dev.groklab.rng;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PhiloxTest {
    /** Known-answer vectors of Philox4x32-10 from Random123's kat_vectors. */
    @Test void knownAnswers() {
        int[] o = new int[4];
        Philox.block(0, 0, 0, 0, 0, 0, o);
        assertArrayEquals(new int[]{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, o);
        Philox.block(-1, -1, -1, -1, -1, -1, o);
        assertArrayEquals(new int[]{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}, o);
        Philox.block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, o);
        assertArrayEquals(new int[]{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}, o);
    }

    @Test void uniformsHaveUniformMoments() {
        int n = 400_000;
        double s = 0, s2 = 0;
        for (int i = 0; i < n; i++) {
            double u = Philox.uniformAt(7, 3, i, 11);
            assertTrue(u >= 0 && u < 1);
            s += u;
            s2 += u * u;
        }
        double mean = s / n, var = s2 / n - mean * mean;
        assertEquals(0.5, mean, 0.003);
        assertEquals(1.0 / 12, var, 0.001);
    }
}
