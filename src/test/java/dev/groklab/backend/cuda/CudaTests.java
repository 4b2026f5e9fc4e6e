package dev.groklab.backend.cuda;

import dev.groklab.backend.cpu.ReferenceBackend;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.Assumptions;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/** Shared helpers of the GPU tests: the backend per driver (or skip), host ↔ device transfers. */
final class CudaTests {
    static final ReferenceBackend REF = new ReferenceBackend();

    private CudaTests() {}

    /** System property naming the driver bindings the GPU tests run through (comma-separated; default both). */
    static final String DRIVERS_PROPERTY = "groklab.cuda.testDrivers";

    /**
     * The driver bindings every GPU test runs through: both by default, or those named by
     * {@value #DRIVERS_PROPERTY} (bin/gpu-tests runs each binding in its own JVM, so a crash in
     * one binding's native calls does not take the other's results with it).
     */
    static Stream<String> drivers() {
        String only = System.getProperty(DRIVERS_PROPERTY, "");
        if (only.isBlank()) return Stream.of("ffm", "jcuda");
        return Stream.of(only.split(",")).map(String::trim).filter(s -> !s.isEmpty());
    }

    /**
     * The backend for {@code driver}. Without a usable GPU the test is skipped, or fails with a
     * "no CUDA device" message when GROKLAB_REQUIRE_GPU=1 (the GPU host's test run).
     */
    static CudaBackend backend(String driver) {
        if (driver.equals("emulated")) return emulated();
        if (driver.equals(KernelsOnCpu.DRIVER)) return KernelsOnCpu.backend();
        CudaBackend.Availability a = CudaBackend.probe(driver);
        if (!a.available()) {
            String msg = "no CUDA device: the CUDA backend (" + driver + ") is unavailable: " + a.reason();
            if ("1".equals(System.getenv("GROKLAB_REQUIRE_GPU"))) fail(msg);
            Assumptions.abort(msg);
        }
        return CudaBackend.get(driver, 0);
    }

    private static CudaBackend emulated;

    /** The backend over {@link EmulatedCudaDriver}: the host code without a GPU. */
    static synchronized CudaBackend emulated() {
        if (emulated == null) emulated = CudaBackend.withDriver(new EmulatedCudaDriver(), new byte[]{1});
        return emulated;
    }

    /** A device copy of a CPU tensor (any layout; the copy is dense). */
    static Tensor up(CudaBackend g, Tensor cpu) {
        Tensor t = g.empty(cpu.dtype(), cpu.shape());
        g.copy(cpu, t);
        return t;
    }

    /** Compares a device result with the reference's CPU result. */
    static void close(String what, CudaBackend g, Tensor expected, Tensor actual, double rtol) {
        close(what, g, expected, actual, rtol, 0);
    }

    /** As above, judged at least at the terms' scale (see {@link Check#close(String, Tensor, Tensor, double, double)}). */
    static void close(String what, CudaBackend g, Tensor expected, Tensor actual, double rtol, double terms) {
        Check.close(what + " [" + g + "]", expected, g.toHost(actual), rtol, terms);
    }

    /** Exact equality, element by element (for bit-identical results). */
    static void identical(String what, Tensor expected, Tensor actualHost) {
        if (!expected.sameShape(actualHost)) fail(what + ": shapes differ");
        for (int i = 0, n = expected.numel(); i < n; i++) {
            double e = expected.getDouble(i), a = actualHost.getDouble(i);
            if (Double.doubleToRawLongBits(e) != Double.doubleToRawLongBits(a)) {
                fail(what + ": element " + i + " is " + a + ", expected exactly " + e);
            }
        }
    }
}
