package dev.groklab.backend.opencl;

import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static dev.groklab.backend.opencl.OpenClTesting.REF;
import static dev.groklab.backend.opencl.OpenClTesting.up;

/** Fused attention forward and backward against the reference, causal or not, D above and below a chunk. */
class OpenClAttentionTest {
    private static OpenClBackend ocl;

    @BeforeAll static void open() { ocl = OpenClTesting.backend(); }

    @Test void forwardAndBackward() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        int[][] shapes = {{1, 1, 1}, {3, 7, 5}, {2, 17, 33}, {5, 3, 32}, {2, 33, 65}, {1, 65, 7}};
        try (Scope s = Scope.open()) {
            for (int[] sh : shapes) {
                for (boolean causal : new boolean[]{false, true}) {
                    String w = Arrays.toString(sh) + (causal ? " causal" : "") + " (seed " + seed + ")";
                    Tensor q = Check.randn(REF, r, sh), k = Check.randn(REF, r, sh), v = Check.randn(REF, r, sh);
                    Tensor dq = up(ocl, q), dk = up(ocl, k), dv = up(ocl, v);
                    Tensor oe = REF.empty(DType.F32, sh), le = REF.empty(DType.F32, sh[0], sh[1]);
                    Tensor oa = ocl.empty(DType.F32, sh), la = ocl.empty(DType.F32, sh[0], sh[1]);
                    REF.attention(q, k, v, causal, oe, le);
                    ocl.attention(dq, dk, dv, causal, oa, la);
                    Check.close("attention out " + w, oe, ocl.toHost(oa), 2e-5);
                    Check.close("attention lse " + w, le, ocl.toHost(la), 2e-5);
                    Tensor g = Check.randn(REF, r, sh);
                    Tensor gqe = REF.empty(DType.F32, sh), gke = REF.empty(DType.F32, sh), gve = REF.empty(DType.F32, sh);
                    Tensor gqa = ocl.empty(DType.F32, sh), gka = ocl.empty(DType.F32, sh), gva = ocl.empty(DType.F32, sh);
                    REF.attentionBackward(q, k, v, causal, oe, le, g, gqe, gke, gve);
                    ocl.attentionBackward(dq, dk, dv, causal, oa, la, up(ocl, g), gqa, gka, gva);
                    Check.close("attention gq " + w, gqe, ocl.toHost(gqa), 1e-4);
                    Check.close("attention gk " + w, gke, ocl.toHost(gka), 1e-4);
                    Check.close("attention gv " + w, gve, ocl.toHost(gva), 1e-4);
                }
            }
        }
    }
}
