package dev.groklab.bench;

import dev.groklab.backend.Backend;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * float32 matmul throughput: square sizes and the grokking model's shapes (forward, and the two
 * backward products with a transposed operand), each timed for groklab and, in the same run on
 * the same buffers, for OpenBLAS.
 */
public final class MatmulSuite {
    public static final int[] SQUARE_SIZES = {64, 128, 256, 512, 1024, 2048};
    /** Rows of the grokking batch: 3830 training pairs × 3 tokens. */
    public static final int GROK_ROWS = 11490, GROK_D = 128, GROK_FF = 512;

    /** C[m×n] = op(A)·op(B); a transposed operand is the transposed view of a dense tensor. */
    public record Case(String name, int m, int k, int n, boolean transA, boolean transB) {
        public double flops() { return 2.0 * m * k * n; }

        public static Case square(int s) { return new Case(s + "³", s, s, s, false, false); }
    }

    /** One measured case; OpenBLAS figures are NaN when it was not run. */
    public record Row(Case c, double ms, double gflops, double blasMs, double blasGflops, double maxRelDiff) {
        public double ratio() { return gflops / blasGflops; }
    }

    private MatmulSuite() {}

    public static List<Case> grokkingCases() {
        return List.of(
                new Case("grok fwd x·W", GROK_ROWS, GROK_D, GROK_FF, false, false),
                new Case("grok dX = dY·Wᵀ", GROK_ROWS, GROK_FF, GROK_D, false, true),
                new Case("grok dW = xᵀ·dY", GROK_D, GROK_ROWS, GROK_FF, true, false));
    }

    public static List<Case> cases(int[] sizes, boolean grokking) {
        List<Case> out = new ArrayList<>();
        for (int s : sizes) out.add(Case.square(s));
        if (grokking) out.addAll(grokkingCases());
        return out;
    }

    /** Operands of one case, allocated in the current scope. */
    public record Operands(Tensor aDense, Tensor bDense, Tensor a, Tensor b, Tensor c, Tensor cBlas) {
        public static Operands of(Backend be, Case c, long seed) {
            Random r = new Random(seed);
            Tensor ad = random(be, r, c.transA() ? new int[]{c.k(), c.m()} : new int[]{c.m(), c.k()});
            Tensor bd = random(be, r, c.transB() ? new int[]{c.n(), c.k()} : new int[]{c.k(), c.n()});
            Tensor a = c.transA() ? ad.transpose(0, 1) : ad, b = c.transB() ? bd.transpose(0, 1) : bd;
            Tensor out = be.empty(DType.F32, c.m(), c.n()), outBlas = be.empty(DType.F32, c.m(), c.n());
            be.fill(out, 0);
            be.fill(outBlas, 0);
            return new Operands(ad, bd, a, b, out, outBlas);
        }

        private static Tensor random(Backend be, Random r, int[] shape) {
            float[] d = new float[shape[0] * shape[1]];
            for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
            return be.fromHost(d, shape);
        }

        public void runOurs(Backend be) { be.matmul(a, b, c, false); }

        public void runBlas(Case cs) {
            OpenBlas.sgemm(cs.transA(), cs.transB(), cs.m(), cs.n(), cs.k(), 1f,
                    aDense.segment(), aDense.dim(1), bDense.segment(), bDense.dim(1), 0f, cBlas.segment(), cs.n());
        }
    }

    public static Row run(Backend be, Case c, Timer.Settings s, boolean blas) {
        try (Scope scope = Scope.open()) {
            Operands o = Operands.of(be, c, 42);
            Timer.Result ours = Timer.measure(() -> o.runOurs(be), s);
            double blasMs = Double.NaN, blasGf = Double.NaN, diff = Double.NaN;
            if (blas) {
                Timer.Result theirs = Timer.measure(() -> o.runBlas(c), s);
                blasMs = theirs.medianMs();
                blasGf = c.flops() / theirs.median() / 1e9;
                diff = maxRelDiff(o.c(), o.cBlas());
            }
            return new Row(c, ours.medianMs(), c.flops() / ours.median() / 1e9, blasMs, blasGf, diff);
        }
    }

    /** max |x − y| / max |y|: both sides computed the same product. */
    static double maxRelDiff(Tensor x, Tensor y) {
        var xs = x.segment();
        var ys = y.segment();
        double worst = 0, scale = 1e-30;
        for (long i = 0, n = x.numel(); i < n; i++) {
            float a = xs.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
            float b = ys.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
            worst = Math.max(worst, Math.abs(a - b));
            scale = Math.max(scale, Math.abs(b));
        }
        return worst / scale;
    }

    public static List<Row> runAll(Backend be, List<Case> cases, Timer.Settings s, boolean blas, PrintWriter out) {
        if (blas) {
            out.printf("%-20s %6s %6s %6s  %10s %8s  %10s %8s  %6s%n",
                    "matmul f32", "m", "k", "n", "ms", "GFLOP/s", "BLAS ms", "GFLOP/s", "ratio");
        } else {
            out.printf("%-20s %6s %6s %6s  %10s %8s%n", "matmul f32", "m", "k", "n", "ms", "GFLOP/s");
        }
        List<Row> rows = new ArrayList<>();
        for (Case c : cases) {
            Row r = run(be, c, s, blas);
            rows.add(r);
            if (blas) {
                out.printf("%-20s %6d %6d %6d  %10.3f %8.1f  %10.3f %8.1f  %5.0f%%%s%n", c.name(), c.m(), c.k(), c.n(),
                        r.ms(), r.gflops(), r.blasMs(), r.blasGflops(), 100 * r.ratio(),
                        r.maxRelDiff() > 1e-3 ? "  (results differ: " + String.format("%.2g", r.maxRelDiff()) + ")" : "");
            } else {
                out.printf("%-20s %6d %6d %6d  %10.3f %8.1f%n", c.name(), c.m(), c.k(), c.n(), r.ms(), r.gflops());
            }
            out.flush();
        }
        return rows;
    }
}
