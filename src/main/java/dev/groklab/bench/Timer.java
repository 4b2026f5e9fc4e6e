package dev.groklab.bench;

import java.util.Arrays;

/**
 * Wall-clock timing with warm-up: the operation first runs until the JIT has had time to compile
 * its hot loops (C2 needs thousands of iterations and several calls), then each repetition times
 * a batch of calls long enough to dwarf timer resolution. The median over repetitions resists the
 * noise of a shared machine.
 */
public final class Timer {
    /** Warm-up seconds (and at least minWarmupCalls calls), repetitions, seconds per repetition. */
    public record Settings(double warmupSeconds, int minWarmupCalls, int reps, double repSeconds) {
        public static final Settings DEFAULT = new Settings(1.0, 5, 7, 0.1);
        public static final Settings QUICK = new Settings(0.3, 3, 3, 0.05);
    }

    /** Seconds per call: median, min and max over repetitions; calls per repetition. */
    public record Result(double median, double min, double max, int reps, int callsPerRep) {
        public double medianMs() { return median * 1e3; }
    }

    private Timer() {}

    public static Result measure(Runnable op, Settings s) {
        long start = System.nanoTime(), deadline = start + (long) (s.warmupSeconds() * 1e9);
        int calls = 0;
        long last = 0;
        while (calls < s.minWarmupCalls() || System.nanoTime() < deadline) {
            long t0 = System.nanoTime();
            op.run();
            last = System.nanoTime() - t0;
            calls++;
        }
        int perRep = (int) Math.max(1, Math.min(1_000_000, s.repSeconds() * 1e9 / Math.max(1, last)));
        double[] per = new double[s.reps()];
        for (int r = 0; r < s.reps(); r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < perRep; i++) op.run();
            per[r] = (System.nanoTime() - t0) / 1e9 / perRep;
        }
        double[] sorted = per.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = (n & 1) == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
        return new Result(median, sorted[0], sorted[n - 1], n, perRep);
    }
}
