package dev.groklab.cli;

import dev.groklab.train.EvalRecord;
import dev.groklab.train.Progress;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;

/** A progress bar on a terminal, plain periodic lines otherwise (logs, CI, pipes). */
abstract class ProgressDisplay implements Progress, AutoCloseable {
    static ProgressDisplay create(boolean quiet, PrintStream log, int models) {
        if (quiet) return new Lines(log, Long.MAX_VALUE);
        if (System.console() != null && System.console().isTerminal()) return new Bar();
        return new Lines(log, 10_000_000_000L);
    }

    static String describe(EvalRecord r) {
        if (r == null) return "";
        int best = 0;
        for (int m = 1; m < r.models(); m++) if (r.testAcc()[m] > r.testAcc()[best]) best = m;
        String who = r.models() > 1 ? " (best of " + r.models() + ")" : "";
        return String.format("train %.3f/%.1f%% test %.3f/%.1f%%%s", r.trainLoss()[best], 100 * r.trainAcc()[best],
                r.testLoss()[best], 100 * r.testAcc()[best], who);
    }

    @Override public void close() {}

    private static final class Bar extends ProgressDisplay {
        private ProgressBar bar;

        @Override public void update(int step, int total, EvalRecord latest, double sps) {
            if (bar == null) {
                bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                        .setUpdateIntervalMillis(250).showSpeed().build();
            }
            bar.stepTo(step);
            bar.setExtraMessage(describe(latest));
        }

        @Override public void close() { if (bar != null) bar.close(); }
    }

    private static final class Lines extends ProgressDisplay {
        private final PrintStream log;
        private final long intervalNanos;
        private long lastPrint = System.nanoTime();

        Lines(PrintStream log, long intervalNanos) {
            this.log = log;
            this.intervalNanos = intervalNanos;
        }

        @Override public void update(int step, int total, EvalRecord latest, double sps) {
            long now = System.nanoTime();
            if (now - lastPrint < intervalNanos && step != total) return;
            lastPrint = now;
            double eta = sps > 0 ? (total - step) / sps : Double.NaN;
            log.printf("step %d/%d  %.1f steps/s  eta %.0fs  %s%n", step, total, sps, eta, describe(latest));
        }
    }
}
