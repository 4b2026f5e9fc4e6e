package dev.groklab.backend.opencl;

/** A failure of the OpenCL runtime: a launch, a transfer, a kernel build. */
public class OpenClException extends RuntimeException {
    public OpenClException(String message) { super(message); }

    public OpenClException(String message, Throwable cause) { super(message, cause); }

    /** No OpenCL platform or device can be used here; {@link #reason()} says why in one line. */
    public static final class Unavailable extends OpenClException {
        private final String reason;

        public Unavailable(String reason) {
            super("opencl: unavailable: " + reason);
            this.reason = reason;
        }

        public Unavailable(String reason, Throwable cause) {
            super("opencl: unavailable: " + reason, cause);
            this.reason = reason;
        }

        public String reason() { return reason; }
    }

    /** A tensor does not fit in the device's memory. */
    public static final class OutOfMemory extends OpenClException {
        public OutOfMemory(String message) { super(message); }
    }
}
