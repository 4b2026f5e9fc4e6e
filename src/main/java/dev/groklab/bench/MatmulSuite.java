package dev.groklab.bench;

import dev.groklab.backend.Backend;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;

import java.io.PrintWriter;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * float32 matmul throughput: square sizes and the grokking model's shapes (forward, and the two
 * backward products with a transposed operand), each timed for groklab and, in the same run on
 * the same buffers, for OpenBLAS — or, for a device backend, the CPU backend on the same values.
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

    /** One measured case; the peer's figures are NaN when none was run. */
    public record Row(Case c, double ms, double gflops, double peerMs, double peerGflops, double maxRelDiff) {
        public double ratio() { return gflops / peerGflops; }
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

    /**
     * Runs small products of every layout until the JIT has compiled the kernels: a large first
     * case would otherwise spend its warm-up interpreting them, and a small one might never
     * leave the interpreter within its warm-up time. Goes on (up to 20 s) while the JIT is still
     * compiling, which on a loaded machine can take far longer than the nominal time.
     */
    public static void warmUp(Backend be, double seconds) {
        List<Case> shapes = List.of(
                new Case("w", 64, 64, 64, false, false), new Case("w", 67, 45, 83, true, true),
                new Case("w", 96, 300, 72, true, false), new Case("w", 45, 129, 50, false, true),
                new Case("w", 3, 32, 3, false, true), new Case("w", 3, 3, 32, false, false),
                new Case("w", 1, 128, 96, false, false), new Case("w", 9, 40, 7, true, true));
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean watchJit = jit != null && jit.isCompilationTimeMonitoringSupported();
        try (Scope scope = Scope.open()) {
            List<Operands> ops = new ArrayList<>();
            for (Case c : shapes) ops.add(Operands.of(be, c, 1));
            long start = System.nanoTime(), deadline = start + (long) (seconds * 1e9), cap = start + 20_000_000_000L;
            long compiled = watchJit ? jit.getTotalCompilationTime() : 0, quietSince = start;
            for (int round = 0; ; round++) {
                for (Operands o : ops) o.runOurs(be);
                be.synchronize();
                long now = System.nanoTime();
                if (watchJit) {
                    long ct = jit.getTotalCompilationTime();
                    if (ct != compiled) { compiled = ct; quietSince = now; }
                }
                boolean settled = !watchJit || now - quietSince > 300_000_000L;
                if (now > cap || (round >= 200 && now > deadline && settled)) break;
            }
        }
    }

    /** What each case is timed against in the same run. */
    public enum Peer {
        NONE(""), OPENBLAS("BLAS"), CPU_BACKEND("CPU");

        final String label;

        Peer(String label) { this.label = label; }
    }

    /**
     * Times one case on {@code be} and its peer, interleaved. The CPU-backend peer gets its own
     * operands with the same values; a device backend's result is compared after a copy home.
     */
    public static Row run(Backend be, Case c, Timer.Settings s, Peer peer) {
        try (Scope scope = Scope.open()) {
            Operands o = Operands.of(be, c, 42);
            Backend cpu = dev.groklab.backend.Backends.cpu();
            Operands host = peer == Peer.CPU_BACKEND ? Operands.of(cpu, c, 42) : null;
            Runnable ourRun = () -> o.runOurs(be);
            Runnable peerRun = switch (peer) {
                case NONE -> null;
                case OPENBLAS -> () -> o.runBlas(c);
                case CPU_BACKEND -> () -> host.runOurs(cpu);
            };
            Timer.Result[] t = Timer.compare(peer == Peer.NONE ? new Runnable[]{ourRun} : new Runnable[]{ourRun, peerRun},
                    s, be::synchronize);
            Timer.Result ours = t[0];
            double peerMs = Double.NaN, peerGf = Double.NaN, diff = Double.NaN;
            if (peer != Peer.NONE) {
                peerMs = t[1].medianMs();
                peerGf = c.flops() / t[1].median() / 1e9;
                diff = peer == Peer.OPENBLAS ? maxRelDiff(o.c(), o.cBlas()) : maxRelDiff(be.toHost(o.c()), host.c());
            }
            return new Row(c, ours.medianMs(), c.flops() / ours.median() / 1e9, peerMs, peerGf, diff);
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

    public static List<Row> runAll(Backend be, List<Case> cases, Timer.Settings s, Peer peer, PrintWriter out) {
        if (peer != Peer.NONE) {
            out.printf("%-20s %6s %6s %6s  %10s %8s  %10s %8s  %6s%n",
                    "matmul f32", "m", "k", "n", "ms", "GFLOP/s", peer.label + " ms", "GFLOP/s", "ratio");
        } else {
            out.printf("%-20s %6s %6s %6s  %10s %8s%n", "matmul f32", "m", "k", "n", "ms", "GFLOP/s");
        }
        warmUp(be, s.warmupSeconds() * 2);
        if (peer == Peer.CPU_BACKEND) warmUp(dev.groklab.backend.Backends.cpu(), s.warmupSeconds() * 2);
        List<Row> rows = new ArrayList<>();
        for (Case c : cases) {
            Row r = run(be, c, s, peer);
            rows.add(r);
            if (peer != Peer.NONE) {
                out.printf("%-20s %6d %6d %6d  %10.3f %8.1f  %10.3f %8.1f  %5.0f%%%s%n", c.name(), c.m(), c.k(), c.n(),
                        r.ms(), r.gflops(), r.peerMs(), r.peerGflops(), 100 * r.ratio(),
                        r.maxRelDiff() > 1e-3 ? "  (results differ: " + String.format("%.2g", r.maxRelDiff()) + ")" : "");
            } else {
                out.printf("%-20s %6d %6d %6d  %10.3f %8.1f%n", c.name(), c.m(), c.k(), c.n(), r.ms(), r.gflops());
            }
            out.flush();
        }
        return rows;
    }
}
