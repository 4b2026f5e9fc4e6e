package dev.groklab.bench;

import dev.groklab.backend.cpu.CpuBackend;
import dev.groklab.tensor.Scope;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class OpenBlasTest {
    @Test void unavailableHasAReason() {
        if (OpenBlas.available()) assertNull(OpenBlas.reason());
        else assertNotNull(OpenBlas.reason());
    }

    /** Both sides of every benchmark row must compute the same product, transposed operands included. */
    @Test void sgemmAgreesWithTheCpuBackend() {
        assumeTrue(OpenBlas.available(), () -> "OpenBLAS unavailable: " + OpenBlas.reason());
        CpuBackend cpu = CpuBackend.get();
        for (boolean ta : new boolean[]{false, true}) {
            for (boolean tb : new boolean[]{false, true}) {
                try (Scope s = Scope.open()) {
                    MatmulSuite.Case c = new MatmulSuite.Case("t", 37, 53, 29, ta, tb);
                    MatmulSuite.Operands o = MatmulSuite.Operands.of(cpu, c, 7);
                    o.runOurs(cpu);
                    o.runBlas(c);
                    double d = MatmulSuite.maxRelDiff(o.c(), o.cBlas());
                    assertTrue(d < 1e-5, "transA=" + ta + " transB=" + tb + ": relative difference " + d);
                }
            }
        }
    }

    @Test void threadCountCanBeSet() {
        assumeTrue(OpenBlas.available());
        int before = OpenBlas.threads();
        assertTrue(OpenBlas.setThreads(1));
        assertTrue(OpenBlas.threads() == 1);
        OpenBlas.setThreads(Math.max(1, before));
    }
}
