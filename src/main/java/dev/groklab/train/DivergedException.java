package dev.groklab.train;

/** The loss became NaN or infinite; the last good state was checkpointed before this was thrown. */
public final class DivergedException extends RuntimeException {
    private final int step;

    public DivergedException(int step, String message) {
        super(message);
        this.step = step;
    }

    public int step() { return step; }
}
