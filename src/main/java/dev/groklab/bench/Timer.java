package dev.groklab.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
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
        public static final Settings DEFAULT = new Settings(1.0, 5, 9, 0.1);
        public static final Settings QUICK = new Settings(0.3, 3, 3, 0.05);
    }

    /** Seconds per call: median, min and max over repetitions; calls per repetition. */
    public record Result(double median, double min, double max, int reps, int callsPerRep) {
        public double medianMs() { return median * 1e3; }
    }

    private Timer() {}

    public static Result measure(Runnable op, Settings s) {
        return compare(new Runnable[]{op}, s)[0];
    }

    /** As {@link #measure(Runnable, Settings)}, waiting for {@code barrier} (a device queue) before each clock read. */
    public static Result measure(Runnable op, Settings s, Runnable barrier) {
        return compare(new Runnable[]{op}, s, barrier)[0];
    }

    public static Result[] compare(Runnable[] ops, Settings s) {
        return compare(ops, s, () -> {});
    }

    /**
     * Times several operations with their repetitions interleaved (a b a b …), so that on a shared
     * machine a burst of outside load hits all of them alike rather than whichever ran then.
     */
    public static Result[] compare(Runnable[] ops, Settings s, Runnable barrier) {
        int[] perRep = new int[ops.length];
        for (int o = 0; o < ops.length; o++) perRep[o] = callsPerRep(ops[o], s, barrier);
        double[][] per = new double[ops.length][s.reps()];
        for (int r = 0; r < s.reps(); r++) {
            for (int o = 0; o < ops.length; o++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < perRep[o]; i++) ops[o].run();
                barrier.run();
                per[o][r] = (System.nanoTime() - t0) / 1e9 / perRep[o];
            }
        }
        Result[] out = new Result[ops.length];
        for (int o = 0; o < ops.length; o++) {
            double[] sorted = per[o].clone();
            Arrays.sort(sorted);
            int n = sorted.length;
            double median = (n & 1) == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
            out[o] = new Result(median, sorted[0], sorted[n - 1], n, perRep[o]);
        }
        return out;
    }

    /**
     * Warms op up and returns how many calls make one repetition of about repSeconds. Warm-up
     * also waits (up to ten times its nominal time) for the JIT to go quiet: a recompilation
     * after a deoptimization would otherwise land inside the measurement.
     */
    private static int callsPerRep(Runnable op, Settings s, Runnable barrier) {
        long start = System.nanoTime(), deadline = start + (long) (s.warmupSeconds() * 1e9);
        long cap = start + (long) (10 * s.warmupSeconds() * 1e9);
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean watchJit = jit != null && jit.isCompilationTimeMonitoringSupported();
        long compiled = watchJit ? jit.getTotalCompilationTime() : 0, quietSince = start;
        int calls = 0;
        long best = Long.MAX_VALUE;
        while (true) {
            long t0 = System.nanoTime();
            op.run();
            barrier.run();
            long now = System.nanoTime(), t = now - t0;
            // The fastest warm-up call: the last one may have been slowed by outside load.
            if (calls >= s.minWarmupCalls() / 2) best = Math.min(best, t);
            calls++;
            if (watchJit) {
                long ct = jit.getTotalCompilationTime();
                if (ct != compiled) { compiled = ct; quietSince = now; best = t; }
            }
            boolean settled = !watchJit || now - quietSince > 200_000_000L;
            if (now > cap || (calls >= s.minWarmupCalls() && now > deadline && settled)) break;
        }
        return (int) Math.max(1, Math.min(1_000_000, s.repSeconds() * 1e9 / Math.max(1, best)));
    }
}
