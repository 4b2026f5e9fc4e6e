package dev.groklab.backend;

/**
 * A step run again and again with the same shapes (a training step), as its backend repeats it
 * best: the CPU and OpenCL backends run it each time; the CUDA backend records it once as a CUDA
 * graph and replays it. The step may run more than once within one {@link #run} (a backend may
 * check a replay by running its Java code, then capture it anew), so it must take everything that
 * changes between steps from outside (the step number, the learning rate), never count itself.
 */
public interface RepeatedStep extends AutoCloseable {
    void run();

    /** Frees what the backend keeps for the step (a graph); the step is not run again. */
    @Override default void close() {}

    static RepeatedStep eager(Runnable step) { return step::run; }
}
