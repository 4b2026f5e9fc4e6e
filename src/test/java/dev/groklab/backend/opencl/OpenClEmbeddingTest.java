package dev.groklab.backend.opencl;

import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.groklab.backend.opencl.OpenClTesting.REF;
import static dev.groklab.backend.opencl.OpenClTesting.up;

/** gather and scatterAdd with shared and per-model indices, many repeated. */
class OpenClEmbeddingTest {
    private static OpenClBackend ocl;

    @BeforeAll static void open() { ocl = OpenClTesting.backend(); }

    @Test void gatherAndScatterAddWithRepeats() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        int[][] cases = {{1, 1, 1, 1}, {1, 7, 5, 33}, {3, 17, 3, 127}, {2, 5, 33, 65}, {4, 113, 17, 300}};
        try (Scope s = Scope.open()) {
            for (int[] c : cases) {
                int m = c[0], v = c[1], d = c[2], n = c[3];
                for (boolean perModel : new boolean[]{false, true}) {
                    String w = m + "x" + v + "x" + d + " n=" + n + (perModel ? " per model" : " shared") + " (seed " + seed + ")";
                    Tensor table = Check.randn(REF, r, m, v, d);
                    // few distinct values among many positions: every row repeats
                    Tensor idx = perModel ? Check.randint(REF, r, Math.max(1, v / 2), m, n) : Check.randint(REF, r, Math.max(1, v / 2), n);
                    Tensor didx = ocl.fromHost(idx.toIntArray(), idx.shape());
                    Tensor e = REF.empty(dev.groklab.tensor.DType.F32, m, n, d), a = ocl.empty(dev.groklab.tensor.DType.F32, m, n, d);
                    REF.gather(table, idx, e);
                    ocl.gather(up(ocl, table), didx, a);
                    Check.close("gather " + w, e, ocl.toHost(a), 0);
                    Tensor g = Check.randn(REF, r, m, n, d), init = Check.randn(REF, r, m, v, d);
                    Tensor ge = Check.copyOf(REF, init), ga = up(ocl, init);
                    REF.scatterAdd(g, idx, ge);
                    ocl.scatterAdd(up(ocl, g), didx, ga);
                    Check.close("scatterAdd " + w, ge, ocl.toHost(ga), 1e-5);
                }
            }
        }
    }
}
