package dev.groklab.autodiff;

/** Thread-local switch for recording the tape; evaluation runs with it off. */
public final class Grad {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[]{true});

    private Grad() {}

    public static boolean enabled() { return ENABLED.get()[0]; }

    /** Turns recording off until the returned handle is closed: {@code try (var ng = Grad.off()) {...}}. */
    public static AutoCloseable0 off() {
        boolean[] e = ENABLED.get();
        boolean before = e[0];
        e[0] = false;
        return () -> e[0] = before;
    }

    /** AutoCloseable without a checked exception. */
    public interface AutoCloseable0 extends AutoCloseable {
        @Override void close();
    }
}
