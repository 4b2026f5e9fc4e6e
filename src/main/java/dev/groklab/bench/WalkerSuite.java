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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Brownian walkers on the crossing potential on the torus (the seed-002 setting), in walker-steps
 * per second: the device kernel with the walkers held on the device, next to the CPU's SIMD
 * kernel. Every call advances all walkers by {@link #STEPS_PER_CALL} steps with fresh noise; the
 * device rows share one set of walkers (only the speed is measured).
 */
public final class WalkerSuite {
    public static final int WALKERS = 1_000_000;
    public static final int STEPS_PER_CALL = 10;
    private static final int SEED = 7;
    private static final float HALF_WIDTH = 2f;
    private static final LangevinStep STEP =
            LangevinStep.brownian(new Potential.Crossing(4f, 0f), Domain.torus(HALF_WIDTH), 1e-3f, 0.05f, SEED);

    public static final Path CPU_PEER = Path.of("bench/peers/walkers_torch.py");

    public record Row(String kernel, int walkers, double ms, double walkerStepsPerSecond) {}

    private WalkerSuite() {}

    /**
     * The device rows (double and float Box–Muller where the device has both), then the CPU SIMD
     * row, their repetitions interleaved so that outside load hits all of them alike.
     */
    public static List<Row> run(Backend be, int walkers, Timer.Settings s) {
        try (Scope scope = Scope.open()) {
            List<String> names = new ArrayList<>();
            List<Runnable> ops = new ArrayList<>();
            switch (be) {
                case OpenClBackend cl -> {
                    Tensor x0 = be.empty(DType.F32, walkers), x1 = be.empty(DType.F32, walkers);
                    cl.uniformWalkers(SEED, HALF_WIDTH, x0, x1);
                    for (boolean exact : cl.info().fp64() ? new boolean[]{true, false} : new boolean[]{false}) {
                        names.add("opencl, " + (exact ? "double" : "float") + " Box-Muller");
                        ops.add(stepper(from -> {
                            cl.setExactWalkerMath(exact);
                            cl.langevin(STEP, x0, x1, null, null, from, STEPS_PER_CALL);
                        }));
                    }
                }
                case CudaBackend cu -> {
                    Tensor x0 = be.empty(DType.F32, walkers), x1 = be.empty(DType.F32, walkers);
                    cu.uniformWalkers(SEED, HALF_WIDTH, x0, x1);
                    for (boolean exact : new boolean[]{true, false}) {
                        names.add("cuda, " + (exact ? "double" : "float") + " Box-Muller");
                        ops.add(stepper(from -> {
                            cu.setExactWalkerMath(exact);
                            cu.langevin(STEP, x0, x1, null, null, from, STEPS_PER_CALL);
                        }));
                    }
                }
                default -> { }
            }
            Walkers w = Walkers.uniform(walkers, HALF_WIDTH, SEED);
            names.add("cpu simd");
            ops.add(stepper(from -> BrownianKernelSimd.INSTANCE.advance(STEP, w, from, STEPS_PER_CALL)));
            Timer.Result[] t;
            try {
                t = Timer.compare(ops.toArray(Runnable[]::new), warmLonger(s), be::synchronize);
            } finally {
                switch (be) {
                    case OpenClBackend cl -> cl.setExactWalkerMath(true);
                    case CudaBackend cu -> cu.setExactWalkerMath(true);
                    default -> { }
                }
            }
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < t.length; i++) rows.add(row(names.get(i), walkers, t[i]));
            return rows;
        }
    }

    /**
     * Five times the usual warm-up: C2 takes seconds to compile the SIMD kernel's long loop, and
     * with one second of warm-up the timed calls of some runs still met the slower code.
     */
    static Timer.Settings warmLonger(Timer.Settings s) {
        return new Timer.Settings(5 * s.warmupSeconds(), s.minWarmupCalls(), s.reps(), s.repSeconds());
    }

    /** Each call advances by STEPS_PER_CALL steps from where the last call stopped: fresh noise every time. */
    private static Runnable stepper(java.util.function.IntConsumer advance) {
        int[] from = {0};
        return () -> {
            advance.accept(from[0]);
            from[0] += STEPS_PER_CALL;
        };
    }

    private static Row row(String name, int walkers, Timer.Result t) {
        return new Row(name, walkers, t.medianMs(), (double) walkers * STEPS_PER_CALL / t.median());
    }

    /**
     * Walker-steps/s of the vectorized CPU PyTorch peer on the same setting with {@code threads}
     * threads, or NaN with the reason printed.
     */
    public static double cpuPeer(int walkers, int threads, PrintWriter out) {
        return PythonPeer.number("PyTorch CPU peer", CPU_PEER, List.of("--walkers", Integer.toString(walkers),
                "--threads", Integer.toString(threads), "--steps", Integer.toString(2 * STEPS_PER_CALL),
                "--a", "4", "--half-width", Float.toString(HALF_WIDTH), "--temperature", "0.05", "--dt", "0.001"),
                "walker_steps_per_s", out);
    }

    /** The rows with each one's speed relative to the last (the CPU SIMD kernel). */
    public static void print(List<Row> rows, PrintWriter out) {
        print(rows, Double.NaN, 0, out);
    }

    /** As {@link #print(List, PrintWriter)}, with the CPU peer's rate (NaN: none) and each row's ratio to it. */
    public static void print(List<Row> rows, double peer, int peerThreads, PrintWriter out) {
        Row cpu = rows.getLast();
        boolean hasPeer = !Double.isNaN(peer);
        out.printf("walkers: Brownian on the crossing, torus L = %.0f, %d steps per call%n", HALF_WIDTH, STEPS_PER_CALL);
        out.printf("%-30s %10s %10s %16s %8s%s%n", "kernel", "walkers", "ms/call", "walker-steps/s", "vs CPU",
                hasPeer ? String.format(" %9s", "vs torch") : "");
        for (Row r : rows) {
            out.printf("%-30s %10d %10.2f %16.3g %7.2fx%s%n", r.kernel(), r.walkers(), r.ms(), r.walkerStepsPerSecond(),
                    r.walkerStepsPerSecond() / cpu.walkerStepsPerSecond(),
                    hasPeer ? String.format(" %8.2fx", r.walkerStepsPerSecond() / peer) : "");
        }
        if (hasPeer) {
            out.printf("%-30s %10d %10.2f %16.3g %7.2fx%n", "PyTorch CPU, " + peerThreads + " threads", cpu.walkers(),
                    1e3 * cpu.walkers() * STEPS_PER_CALL / peer, peer, peer / cpu.walkerStepsPerSecond());
        }
        out.flush();
    }
}
