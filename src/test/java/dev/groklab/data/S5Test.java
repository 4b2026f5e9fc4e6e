package dev.groklab.data;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class S5Test {
    private static final int N = S5.ORDER;

    @Test void lexicographicOrderOfDistinctPermutations() {
        assertArrayEquals(new int[]{0, 1, 2, 3, 4}, S5.perm(0));
        assertArrayEquals(new int[]{0, 1, 2, 4, 3}, S5.perm(1));
        assertArrayEquals(new int[]{4, 3, 2, 1, 0}, S5.perm(N - 1));
        Set<String> seen = new HashSet<>();
        for (int k = 0; k < N; k++) {
            int[] p = S5.perm(k);
            assertTrue(seen.add(Arrays.toString(p)));
            assertEquals(k, S5.index(p));
            if (k > 0) assertTrue(Arrays.compare(S5.perm(k - 1), p) < 0);
        }
    }

    @Test void groupAxioms() {
        int e = S5.identity();
        boolean abelian = true;
        for (int a = 0; a < N; a++) {
            assertEquals(a, S5.compose(e, a));
            assertEquals(a, S5.compose(a, e));
            assertEquals(e, S5.compose(a, S5.inverse(a)));
            assertEquals(e, S5.compose(S5.inverse(a), a));
            for (int b = 0; b < N; b++) {
                int ab = S5.compose(a, b);
                assertTrue(ab >= 0 && ab < N);
                if (ab != S5.compose(b, a)) abelian = false;
                for (int c = 0; c < N; c++) {
                    if (S5.compose(ab, c) != S5.compose(a, S5.compose(b, c))) {
                        throw new AssertionError("not associative at " + a + ", " + b + ", " + c);
                    }
                }
            }
        }
        assertTrue(!abelian, "S5 is not abelian");
        // Each row of the table is a bijection (Latin square).
        for (int a = 0; a < N; a++) {
            boolean[] hit = new boolean[N];
            for (int b = 0; b < N; b++) hit[S5.compose(a, b)] = true;
            for (boolean h : hit) assertTrue(h);
        }
    }

    @Test void compositionAppliesRightOperandFirst() {
        int[] a = S5.perm(7), b = S5.perm(53);
        int[] ab = S5.perm(S5.compose(7, 53));
        for (int i = 0; i < 5; i++) assertEquals(a[b[i]], ab[i]);
    }

    @Test void datasetLabelsMatchComposition() {
        AlgorithmicDataset conj = AlgorithmicDataset.build(Task.S5_CONJ, 0, 0.5, 1, false);
        AlgorithmicDataset xyx = AlgorithmicDataset.build(Task.S5_XYX, 0, 0.5, 1, false);
        AlgorithmicDataset plain = AlgorithmicDataset.build(Task.S5, 0, 0.5, 1, false);
        for (int r = 0; r < N * N; r++) {
            int x = conj.inputs()[3 * r], y = conj.inputs()[3 * r + 1];
            assertEquals(S5.compose(S5.compose(x, y), S5.inverse(x)), conj.labels()[r]);
            assertEquals(S5.compose(x, S5.compose(y, x)), xyx.labels()[r]);
            assertEquals(S5.compose(x, y), plain.labels()[r]);
        }
    }
}
