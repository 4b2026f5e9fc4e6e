package dev.groklab.backend.cpu;

import dev.groklab.backend.LastQueryAttention;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CPU's composed last-query attention against the scalar reference, forward and backward. */
class LastQueryAttentionTest {
    private static final ReferenceBackend REF = new ReferenceBackend();
    private static final CpuBackend CPU = new CpuBackend();

    @Test void matchesReference() {
        Random r = Check.rng();
        for (int t : new int[]{1, 3, 5}) {
            for (int d : new int[]{1, 7, 33}) {
                try (Scope ignored = Scope.open()) {
                    int n = Check.odd(r, 1, 9), h = Check.odd(r, 1, 5);
                    Tensor q = Check.randn(CPU, r, n, h, d), k = Check.randn(CPU, r, n, t, h, d), v = Check.randn(CPU, r, n, t, h, d);
                    Tensor go = Check.randn(CPU, r, n, h, d);
                    Tensor[] want = run(REF, q, k, v, go), got = run(CPU, q, k, v, go);
                    String[] names = {"out", "p", "gq", "gk", "gv"};
                    for (int i = 0; i < want.length; i++) {
                        // With n = h = d = 1 an output is one sum of t unit-scale terms, which can cancel.
                        Check.close(names[i] + " n=" + n + " t=" + t + " h=" + h + " d=" + d, want[i], got[i], 1e-5, 1);
                    }
                }
            }
        }
    }

    private static Tensor[] run(ReferenceBackend be, Tensor q, Tensor k, Tensor v, Tensor go) {
        int n = k.dim(0), t = k.dim(1), h = k.dim(2), d = k.dim(3);
        Tensor out = be.empty(DType.F32, n, h, d), p = be.empty(DType.F32, n, h, t);
        Tensor gq = be.empty(DType.F32, n, h, d), gk = be.empty(DType.F32, n, t, h, d), gv = be.empty(DType.F32, n, t, h, d);
        be.lastQueryAttention(q, k, v, out, p);
        be.lastQueryAttentionBackward(q, k, v, p, go, gq, gk, gv);
        return new Tensor[]{out, p, gq, gk, gv};
    }

    @Test void rejectsMismatchedShapes() {
        try (Scope ignored = Scope.open()) {
            Tensor q = CPU.empty(DType.F32, 2, 3, 4), k = CPU.empty(DType.F32, 2, 5, 3, 4), p = CPU.empty(DType.F32, 2, 3, 5);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LastQueryAttention.check(q, k, CPU.empty(DType.F32, 2, 5, 3, 3), q, p));
            assertTrue(e.getMessage().startsWith("lastQueryAttention: needs"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> LastQueryAttention.check(q, CPU.empty(DType.F32, 2, 0, 3, 4),
                    CPU.empty(DType.F32, 2, 0, 3, 4), q, CPU.empty(DType.F32, 2, 3, 0)));
        }
    }
}
