package dev.groklab.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * Splits index ranges across the CPU cores. Small ranges run inline: forking costs microseconds,
 * more than a small elementwise op.
 */
public final class Parallel {
    public interface RangeBody { void run(int from, int to); }

    private static final int THREADS = Integer.getInteger("groklab.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = THREADS > 1 ? new ForkJoinPool(THREADS) : null;

    private Parallel() {}

    public static int threads() { return THREADS; }

    /**
     * Runs body over [0, n) in about {@code threads()} chunks, each at least {@code grain} long.
     */
    public static void range(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        split(n, Math.min(THREADS, Math.max(1, n / Math.max(1, grain))), body);
    }

    /** Chunks per thread for {@link #rangeStealing}. */
    static final int STEAL_CHUNKS = 8;

    /**
     * As {@link #range}, in up to {@value #STEAL_CHUNKS} chunks per thread that idle threads take
     * over: for calls of many milliseconds, where a core slowed by outside load would otherwise
     * hold up the whole call with its fixed share. Only for bodies whose result does not depend
     * on how the range is cut.
     */
    public static void rangeStealing(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        split(n, (int) Math.min((long) THREADS * STEAL_CHUNKS, Math.max(1, n / Math.max(1, grain))), body);
    }

    /** Runs body over [0, n) in the given number of chunks, inline when one or already on the pool. */
    private static void split(int n, int chunks, RangeBody body) {
        if (chunks <= 1 || POOL == null || ForkJoinTask.getPool() == POOL) {
            body.run(0, n);
            return;
        }
        POOL.invoke(new Chunk(body, 0, n, chunks));
    }

    private static final class Chunk extends RecursiveAction {
        private final RangeBody body;
        private final int from, to, chunks;

        Chunk(RangeBody body, int from, int to, int chunks) {
            this.body = body; this.from = from; this.to = to; this.chunks = chunks;
        }

        @Override protected void compute() {
            if (chunks <= 1) { body.run(from, to); return; }
            int leftChunks = chunks / 2;
            int mid = from + (int) ((long) (to - from) * leftChunks / chunks);
            invokeAll(new Chunk(body, from, mid, leftChunks), new Chunk(body, mid, to, chunks - leftChunks));
        }
    }
}
