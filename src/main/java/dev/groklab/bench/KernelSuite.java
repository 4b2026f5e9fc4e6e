package dev.groklab.bench;

import dev.groklab.backend.AdamStep;
import dev.groklab.backend.Backend;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Memory-bound kernels at the grokking model's sizes, reported as effective bandwidth: the bytes
 * each call must read and write once, over its median time.
 */
public final class KernelSuite {
    /** The training split (30% of the 113² pairs) of the modular-arithmetic task, 113 classes. */
    public static final int CE_ROWS = 3830, CE_CLASSES = 113;
    public static final int ADAM_PARAMS = 1 << 20;
    public static final int ATT_B = 15320, ATT_T = 3, ATT_D = 32;

    public record Row(String kernel, String shape, double ms, double gbps, double gflops) {}

    private KernelSuite() {}

    private static Tensor randn(Backend be, Random r, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return be.fromHost(v, shape);
    }

    private static Row row(String kernel, String shape, Timer.Result t, double bytes, double flops) {
        return new Row(kernel, shape, t.medianMs(), bytes / t.median() / 1e9, flops / t.median() / 1e9);
    }

    public static List<Row> crossEntropy(Backend be, Timer.Settings s) {
        List<Row> rows = new ArrayList<>();
        try (Scope scope = Scope.open()) {
            Random r = new Random(1);
            int n = CE_ROWS, c = CE_CLASSES;
            Tensor logits = randn(be, r, n, c);
            int[] t = new int[n];
            for (int i = 0; i < n; i++) t[i] = r.nextInt(c);
            Tensor targets = be.fromHost(t, n);
            Tensor loss = be.empty(DType.F32, n), lse = be.empty(DType.F32, n);
            Tensor gLoss = be.empty(DType.F32, n), gLogits = be.empty(DType.F32, n, c);
            be.fill(gLoss, 1.0 / n);
            String shape = "[" + n + ", " + c + "]";
            double fwdBytes = 4.0 * (n * (double) c + 3 * n);
            rows.add(row("cross-entropy fwd", shape,
                    Timer.measure(() -> be.crossEntropy(logits, targets, loss, lse), s, be::synchronize), fwdBytes, Double.NaN));
            be.crossEntropy(logits, targets, loss, lse);
            double bwdBytes = 4.0 * (2 * n * (double) c + 3 * n);
            rows.add(row("cross-entropy bwd", shape,
                    Timer.measure(() -> be.crossEntropyBackward(logits, targets, lse, gLoss, gLogits), s, be::synchronize), bwdBytes, Double.NaN));
        }
        return rows;
    }

    public static List<Row> adamw(Backend be, Timer.Settings s) {
        try (Scope scope = Scope.open()) {
            Random r = new Random(2);
            int n = ADAM_PARAMS;
            Tensor p = randn(be, r, 1, n), g = randn(be, r, 1, n), m = be.empty(DType.F32, 1, n), v = be.empty(DType.F32, 1, n);
            be.fill(m, 0);
            be.fill(v, 0);
            AdamStep h = new AdamStep(new float[]{1e-3f}, new float[]{1f}, 0.9f, 0.98f, 1e-8f, 10);
            // Reads p, g, m, v and writes p, m, v.
            double bytes = 7.0 * 4 * n;
            Timer.Result t = Timer.measure(() -> be.adamw(p, g, m, v, null, h), s, be::synchronize);
            return List.of(row("adamw", "[1, " + n + "]", t, bytes, Double.NaN));
        }
    }

    public static List<Row> attention(Backend be, Timer.Settings s) {
        List<Row> rows = new ArrayList<>();
        try (Scope scope = Scope.open()) {
            Random r = new Random(3);
            int b = ATT_B, t = ATT_T, d = ATT_D;
            Tensor q = randn(be, r, b, t, d), k = randn(be, r, b, t, d), v = randn(be, r, b, t, d);
            Tensor out = be.empty(DType.F32, b, t, d), lse = be.empty(DType.F32, b, t);
            Tensor gOut = randn(be, r, b, t, d);
            Tensor gq = be.empty(DType.F32, b, t, d), gk = be.empty(DType.F32, b, t, d), gv = be.empty(DType.F32, b, t, d);
            String shape = "[" + b + ", " + t + ", " + d + "]";
            double tensor = 4.0 * b * t * d, stats = 4.0 * b * t;
            double flops = 4.0 * b * t * t * d;
            rows.add(row("attention fwd", shape,
                    Timer.measure(() -> be.attention(q, k, v, false, out, lse), s, be::synchronize), 4 * tensor + stats, flops));
            be.attention(q, k, v, false, out, lse);
            rows.add(row("attention bwd", shape,
                    Timer.measure(() -> be.attentionBackward(q, k, v, false, out, lse, gOut, gq, gk, gv), s, be::synchronize),
                    8 * tensor + stats, 2 * flops));
        }
        return rows;
    }

    public static void print(List<Row> rows, PrintWriter out) {
        out.printf("%-20s %-16s %10s %8s %8s%n", "kernel", "shape", "ms", "GB/s", "GFLOP/s");
        for (Row r : rows) {
            out.printf("%-20s %-16s %10.3f %8.2f %8s%n", r.kernel(), r.shape(), r.ms(), r.gbps(), gflops(r));
        }
        out.flush();
    }

    /** Rows next to the same kernels measured on a peer backend (same order), with the speed ratio. */
    public static void print(List<Row> rows, List<Row> peer, String peerName, PrintWriter out) {
        out.printf("%-20s %-16s %10s %8s %8s  %10s %8s %8s  %7s%n", "kernel", "shape", "ms", "GB/s", "GFLOP/s",
                peerName + " ms", "GB/s", "GFLOP/s", "speedup");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i), q = peer.get(i);
            out.printf("%-20s %-16s %10.3f %8.2f %8s  %10.3f %8.2f %8s  %6.2fx%n", r.kernel(), r.shape(), r.ms(), r.gbps(),
                    gflops(r), q.ms(), q.gbps(), gflops(q), q.ms() / r.ms());
        }
        out.flush();
    }

    private static String gflops(Row r) {
        return Double.isNaN(r.gflops()) ? "" : String.format("%.2f", r.gflops());
    }
}
