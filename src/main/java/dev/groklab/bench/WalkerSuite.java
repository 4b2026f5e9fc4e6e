package dev.groklab.bench;

import dev.groklab.backend.Backend;
import dev.groklab.backend.cuda.CudaBackend;
import dev.groklab.backend.opencl.OpenClBackend;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.walkers.BrownianKernelSimd;
import dev.groklab.walkers.Domain;
import dev.groklab.walkers.LangevinStep;
import dev.groklab.walkers.Potential;
import dev.groklab.walkers.Walkers;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Brownian walkers on the crossing potential on the torus (the seed-002 setting), in walker-steps
 * per second: the device kernel with the walkers held on the device, next to the CPU's SIMD
 * kernel. Every call advances all walkers by {@link #STEPS_PER_CALL} steps with fresh noise.
 */
public final class WalkerSuite {
    public static final int WALKERS = 1_000_000;
    public static final int STEPS_PER_CALL = 10;
    private static final int SEED = 7;
    private static final float HALF_WIDTH = 2f;
    private static final LangevinStep STEP =
            LangevinStep.brownian(new Potential.Crossing(4f, 0f), Domain.torus(HALF_WIDTH), 1e-3f, 0.05f, SEED);

    public record Row(String kernel, int walkers, double ms, double walkerStepsPerSecond) {}

    private WalkerSuite() {}

    /** The device rows (double and float Box–Muller where the device has both), then the CPU SIMD row. */
    public static List<Row> run(Backend be, int walkers, Timer.Settings s) {
        List<Row> rows = new ArrayList<>();
        switch (be) {
            case OpenClBackend cl -> {
                for (boolean exact : cl.info().fp64() ? new boolean[]{true, false} : new boolean[]{false}) {
                    cl.setExactWalkerMath(exact);
                    try {
                        rows.add(device(be, "opencl, " + (exact ? "double" : "float") + " Box-Muller", walkers, s,
                                (x0, x1) -> cl.uniformWalkers(SEED, HALF_WIDTH, x0, x1),
                                (x0, x1, from) -> cl.langevin(STEP, x0, x1, null, null, from, STEPS_PER_CALL)));
                    } finally {
                        cl.setExactWalkerMath(true);
                    }
                }
            }
            case CudaBackend cu -> {
                for (boolean exact : new boolean[]{true, false}) {
                    cu.setExactWalkerMath(exact);
                    try {
                        rows.add(device(be, "cuda, " + (exact ? "double" : "float") + " Box-Muller", walkers, s,
                                (x0, x1) -> cu.uniformWalkers(SEED, HALF_WIDTH, x0, x1),
                                (x0, x1, from) -> cu.langevin(STEP, x0, x1, null, null, from, STEPS_PER_CALL)));
                    } finally {
                        cu.setExactWalkerMath(true);
                    }
                }
            }
            default -> { }
        }
        rows.add(cpu(walkers, s));
        return rows;
    }

    private interface Start { void run(Tensor x0, Tensor x1); }

    private interface Advance { void run(Tensor x0, Tensor x1, int stepFrom); }

    private static Row device(Backend be, String name, int walkers, Timer.Settings s, Start start, Advance advance) {
        try (Scope scope = Scope.open()) {
            Tensor x0 = be.empty(DType.F32, walkers), x1 = be.empty(DType.F32, walkers);
            start.run(x0, x1);
            int[] from = {0};
            Timer.Result t = Timer.measure(() -> {
                advance.run(x0, x1, from[0]);
                from[0] += STEPS_PER_CALL;
            }, s, be::synchronize);
            return row(name, walkers, t);
        }
    }

    private static Row cpu(int walkers, Timer.Settings s) {
        Walkers w = Walkers.uniform(walkers, HALF_WIDTH, SEED);
        int[] from = {0};
        Timer.Result t = Timer.measure(() -> {
            BrownianKernelSimd.INSTANCE.advance(STEP, w, from[0], STEPS_PER_CALL);
            from[0] += STEPS_PER_CALL;
        }, s);
        return row("cpu simd", walkers, t);
    }

    private static Row row(String name, int walkers, Timer.Result t) {
        return new Row(name, walkers, t.medianMs(), (double) walkers * STEPS_PER_CALL / t.median());
    }

    /** The rows with each one's speed relative to the last (the CPU SIMD kernel). */
    public static void print(List<Row> rows, PrintWriter out) {
        Row cpu = rows.getLast();
        out.printf("walkers: Brownian on the crossing, torus L = %.0f, %d steps per call%n", HALF_WIDTH, STEPS_PER_CALL);
        out.printf("%-30s %10s %10s %16s %8s%n", "kernel", "walkers", "ms/call", "walker-steps/s", "vs CPU");
        for (Row r : rows) {
            out.printf("%-30s %10d %10.2f %16.3g %7.2fx%n", r.kernel(), r.walkers(), r.ms(), r.walkerStepsPerSecond(),
                    r.walkerStepsPerSecond() / cpu.walkerStepsPerSecond());
        }
        out.flush();
    }
}
