package dev.groklab.backend.cuda;

import java.util.List;

/**
 * Runs a closure (a whole training step: forward, backward, optimizer) as one CUDA graph. The
 * first {@link #run} captures the closure's kernels into a graph and launches it; every later
 * run executes the closure's Java code again in a recording-only mode, in which no kernel is
 * launched, then launches the captured graph. That second pass is what keeps a replay correct:
 * <ul>
 *   <li>it checks that the step is the captured computation: every kernel, its geometry and its
 *       argument bytes (so every buffer address) must be identical, else {@link #run} throws
 *       before launching anything;</li>
 *   <li>values that legitimately change between steps (the optimizer's step count and learning
 *       rates, dropout counters, data uploaded with fromHost) reach the kernels through an
 *       argument arena in device memory, refreshed by one copy before each launch.</li>
 * </ul>
 * Constraints: the same shapes every step; the same allocations in the same order, so capture
 * after one eager warm-up step (the caching allocator then hands out the same addresses; the
 * step should open and close its own {@code Scope}); no host reads inside the step (toHost,
 * copies to CPU tensors, synchronize throw); tensors that outlive the step (weights, optimizer
 * state, inputs) allocated before the capture. Not thread-safe; one step per backend at a time.
 */
public final class CudaGraphStep implements AutoCloseable {
    public static final long DEFAULT_ARENA = 16L << 20;

    private final CudaBackend be;
    private final Runnable step;
    private final GraphRecording rec;
    private final long arenaBytes;
    private long graph, exec;
    private boolean closed;
    private int replays;

    public CudaGraphStep(CudaBackend be, Runnable step) { this(be, step, DEFAULT_ARENA); }

    /** @param arenaBytes room for the host values and uploads of one step */
    public CudaGraphStep(CudaBackend be, Runnable step, long arenaBytes) {
        this.be = be;
        this.step = step;
        this.arenaBytes = arenaBytes;
        be.bind();
        this.rec = new GraphRecording(be.rawAllocate(arenaBytes), arenaBytes);
    }

    /** Captures (first call) or replays the step; either way the step's work is enqueued once. */
    public void run() {
        if (closed) throw new IllegalStateException("CUDA graph step is closed");
        if (exec == 0) capture();
        else replay();
    }

    private void capture() {
        rec.ops.clear();
        rec.arenaUsed = 0;
        be.beginCapture(rec);
        try {
            step.run();
        } catch (RuntimeException | Error e) {
            try {
                be.driver().graphDestroy(be.endCapture());
            } catch (RuntimeException ignored) {
                // The capture may already be invalidated; the step's own failure is the one to report.
            }
            rec.ops.clear();
            throw e;
        }
        graph = be.endCapture();
        exec = be.driver().graphInstantiate(graph);
        be.launchGraph(exec, rec);
    }

    private void replay() {
        be.beginReplay(rec);
        boolean ok = false;
        try {
            step.run();
            ok = true;
        } finally {
            be.endReplay(ok);
        }
        be.launchGraph(exec, rec);
        replays++;
    }

    /**
     * Drops the captured graph and captures the step again, keeping the argument arena: for a step
     * whose replay no longer matches (a {@link GraphRecording.Mismatch}), when other work between
     * steps has changed which buffers the memory pool hands out. The old graph may still be running;
     * the driver frees it when it completes.
     */
    public void recapture() {
        if (closed) throw new IllegalStateException("CUDA graph step is closed");
        be.bind();
        if (exec != 0) be.driver().graphExecDestroy(exec);
        if (graph != 0) be.driver().graphDestroy(graph);
        exec = 0;
        graph = 0;
        capture();
    }

    /** Launches the graph again with the last step's argument values, without running the closure (timing only). */
    public void launchOnly() {
        if (exec == 0) throw new IllegalStateException("CUDA graph step: nothing captured yet");
        be.launchGraph(exec, rec);
    }

    /** Kernel launches and copies in the captured graph. */
    public int operations() { return rec.ops.size(); }

    public int replays() { return replays; }

    /** The captured operations' names in order (kernels, and "memcpy" for device copies). */
    List<String> operationNames() { return rec.ops.stream().map(GraphRecording.Op::name).toList(); }

    public long arenaBytesUsed() { return rec.arenaUsed; }

    @Override public void close() {
        if (closed) return;
        closed = true;
        be.bind();
        be.synchronize();
        if (exec != 0) be.driver().graphExecDestroy(exec);
        if (graph != 0) be.driver().graphDestroy(graph);
        be.rawFree(rec.arenaDevice, arenaBytes);
    }
}
