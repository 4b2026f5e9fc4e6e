package dev.groklab.backend.opencl;

import dev.groklab.backend.cpu.ReferenceBackend;
import dev.groklab.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The OpenCL backend for tests. Without an OpenCL platform a test is skipped, except on CI
 * (environment variable CI=true), where it fails: CI must never skip these silently.
 */
public final class OpenClTesting {
    public static final ReferenceBackend REF = new ReferenceBackend();

    private OpenClTesting() {}

    public static OpenClBackend backend() {
        try {
            return OpenClBackend.open("opencl");
        } catch (OpenClException.Unavailable e) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) fail("CI=true but OpenCL is unavailable: " + e.reason());
            Assumptions.abort("OpenCL unavailable: " + e.reason());
            throw e;
        }
    }

    /** A device copy of a CPU tensor (through the host-to-device copy path). */
    public static Tensor up(OpenClBackend be, Tensor host) {
        Tensor d = be.empty(host.dtype(), host.shape());
        be.copy(host, d);
        return d;
    }
}
