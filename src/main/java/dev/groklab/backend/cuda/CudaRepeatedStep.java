package dev.groklab.backend.cuda;

import dev.groklab.backend.RepeatedStep;

/**
 * A training step as the CUDA backend repeats it: the first run is eager (the memory pool learns
 * the step's sizes), the second captures the step as a CUDA graph, later runs replay it, so a step
 * costs one graph launch instead of a launch per kernel. A replay is checked before anything of it
 * launches ({@link CudaGraphStep}); one that no longer matches, because work between steps (an
 * evaluation, a checkpoint) changed which buffers the pool hands out, is captured again. A step
 * that differs on {@value #MISSES_BEFORE_EAGER} replays in a row runs eagerly from then on, as
 * does one that cannot be captured (it reads results on the host).
 */
final class CudaRepeatedStep implements RepeatedStep {
    static final int MISSES_BEFORE_EAGER = 3;

    private final CudaBackend be;
    private final Runnable step;
    private CudaGraphStep graph;
    private boolean warm, eager, closed;
    private int missesInARow, captures, replays, eagerRuns;

    CudaRepeatedStep(CudaBackend be, Runnable step) {
        this.be = be;
        this.step = step;
    }

    @Override public void run() {
        if (closed) throw new IllegalStateException("repeated CUDA step is closed");
        if (eager || !warm) {
            step.run();
            warm = true;
            eagerRuns++;
            return;
        }
        if (graph == null) {
            graph = new CudaGraphStep(be, step);
            captureOrGoEager(graph::run);
            return;
        }
        try {
            graph.run();
            replays++;
            missesInARow = 0;
        } catch (GraphRecording.Mismatch m) {
            if (++missesInARow >= MISSES_BEFORE_EAGER) {
                goEager();
                step.run();
                eagerRuns++;
            } else {
                captureOrGoEager(graph::recapture);
            }
        }
    }

    /** Captures (and launches) the step; a step that cannot be captured runs eagerly, now and from then on. */
    private void captureOrGoEager(Runnable capture) {
        try {
            capture.run();
            captures++;
        } catch (IllegalStateException notCapturable) {
            goEager();
            step.run();
            eagerRuns++;
        }
    }

    private void goEager() {
        eager = true;
        graph.close();
        graph = null;
    }

    int captures() { return captures; }

    int replays() { return replays; }

    int eagerRuns() { return eagerRuns; }

    @Override public void close() {
        if (closed) return;
        closed = true;
        if (graph != null) graph.close();
        graph = null;
    }
}
