package dev.groklab.backend.cpu;

import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddingKernelsTest {
    private static final CpuBackend CPU = CpuBackend.get();
    private static final ReferenceBackend REF = new ReferenceBackend();

    // models, vocab, dim, tokens
    private static final int[][] CASES = {{1, 1, 1, 1}, {1, 7, 13, 33}, {3, 13, 7, 5}, {2, 113, 128, 301}, {4, 5, 33, 127}, {1, 97, 257, 1000}, {3, 11, 65, 999}};

    private static String what(String op, int[] c, boolean shared, long seed) {
        return op + " M" + c[0] + " V" + c[1] + " D" + c[2] + " N" + c[3] + (shared ? " shared" : " per-model") + " (seed " + seed + ")";
    }

    @Test void gatherMatchesReference() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (int[] c : CASES) {
                for (boolean shared : new boolean[]{true, false}) {
                    int m = c[0], v = c[1], d = c[2], n = c[3];
                    Tensor table = Check.randn(CPU, r, m, v, d);
                    Tensor idx = shared ? Check.randint(CPU, r, v, n) : Check.randint(CPU, r, v, m, n);
                    Tensor e = Check.empty(CPU, m, n, d), g = Check.empty(CPU, m, n, d);
                    REF.gather(table, idx, e);
                    assertTrue(EmbeddingKernels.gather(table, idx, g));
                    Check.close(what("gather", c, shared, seed), e, g, 0);
                }
            }
        }
    }

    @Test void scatterAddWithRepeatedIndices() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            for (int[] c : CASES) {
                for (boolean shared : new boolean[]{true, false}) {
                    int m = c[0], v = c[1], d = c[2], n = c[3];
                    Tensor gOut = Check.randn(CPU, r, m, n, d);
                    // few distinct rows, so most indices repeat
                    int distinct = Math.max(1, Math.min(v, 3));
                    Tensor idx = shared ? Check.randint(CPU, r, distinct, n) : Check.randint(CPU, r, distinct, m, n);
                    Tensor init = Check.randn(CPU, r, m, v, d);
                    Tensor e = Check.copyOf(CPU, init), g = Check.copyOf(CPU, init);
                    REF.scatterAdd(gOut, idx, e);
                    assertTrue(EmbeddingKernels.scatterAdd(gOut, idx, g));
                    Check.close(what("scatterAdd", c, shared, seed), e, g, 1e-5);

                    Tensor idx2 = shared ? Check.randint(CPU, r, v, n) : Check.randint(CPU, r, v, m, n);
                    Tensor e2 = Check.copyOf(CPU, init), g2 = Check.copyOf(CPU, init);
                    REF.scatterAdd(gOut, idx2, e2);
                    assertTrue(EmbeddingKernels.scatterAdd(gOut, idx2, g2));
                    Check.close(what("scatterAdd spread", c, shared, seed), e2, g2, 1e-5);
                }
            }
        }
    }

    @Test void stridedIndices() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        try (Scope s = Scope.open()) {
            int m = 2, v = 17, d = 9, n = 23;
            Tensor idx = Check.randint(CPU, r, v, n, m).transpose(0, 1);    // [M, N] with strides [1, M]
            Tensor table = Check.randn(CPU, r, m, v, d);
            Tensor e = Check.empty(CPU, m, n, d), g = Check.empty(CPU, m, n, d);
            REF.gather(table, idx, e);
            assertTrue(EmbeddingKernels.gather(table, idx, g));
            Check.close("gather strided idx (seed " + seed + ")", e, g, 0);
            Tensor e2 = Check.empty(CPU, m, n, d), g2 = Check.empty(CPU, m, n, d);
            Tensor oneD = Check.randint(CPU, r, v, 2 * n).reshape(n, 2).transpose(0, 1).slice(0, 1, 2);
            // rank-1 view with stride 2
            Tensor rank1 = new Tensor(oneD.storage(), oneD.dtype(), new int[]{n}, new int[]{2}, oneD.offset());
            REF.gather(table, rank1, e2);
            assertTrue(EmbeddingKernels.gather(table, rank1, g2));
            Check.close("gather stride-2 idx (seed " + seed + ")", e2, g2, 0);
            Tensor go = Check.randn(CPU, r, m, n, d);
            Tensor te = Check.zerosLike(CPU, table), tg = Check.zerosLike(CPU, table);
            REF.scatterAdd(go, rank1, te);
            assertTrue(EmbeddingKernels.scatterAdd(go, rank1, tg));
            Check.close("scatterAdd stride-2 idx (seed " + seed + ")", te, tg, 1e-5);
        }
    }

    @Test void outOfRangeIndexThrowsNamingTheOp() {
        try (Scope s = Scope.open()) {
            Random r = new Random(5);
            Tensor table = Check.randn(CPU, r, 2, 5, 3);
            Tensor out = Check.empty(CPU, 2, 4, 3);
            Tensor high = CPU.fromHost(new int[]{0, 1, 5, 2}, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CPU.gather(table, high, out));
            assertTrue(e.getMessage().contains("gather") && e.getMessage().contains("index 5"), e.getMessage());
            Tensor low = CPU.fromHost(new int[]{0, 1, 2, 3, 4, 0, -1, 2}, 2, 4);
            e = assertThrows(IllegalArgumentException.class, () -> CPU.scatterAdd(out, low, table));
            assertTrue(e.getMessage().contains("scatterAdd") && e.getMessage().contains("index -1"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> EmbeddingKernels.gather(table, low, out));
            // nothing was written before the check failed
            Tensor before = Check.copyOf(CPU, table);
            assertThrows(IllegalArgumentException.class, () -> EmbeddingKernels.scatterAdd(out, low, table));
            Check.close("untouched table", before, table, 0);
        }
    }
}
