package dev.groklab.cli;

import dev.groklab.backend.Backend;
import dev.groklab.backend.cpu.CpuBackend;
import dev.groklab.backend.cpu.Parallel;
import dev.groklab.bench.KernelSuite;
import dev.groklab.bench.MatmulSuite;
import dev.groklab.bench.OpenBlas;
import dev.groklab.bench.Timer;
import dev.groklab.bench.TorchMatmulPeer;
import dev.groklab.bench.WalkerSuite;
import dev.groklab.tensor.Device;
import jdk.incubator.vector.FloatVector;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** Times the kernels: matmul against OpenBLAS in the same run, memory-bound kernels in GB/s. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark kernels: float32 matmul (square sizes and the grokking model's shapes) against "
                + "OpenBLAS in the same run, cross-entropy, AdamW and attention in GB/s, Brownian walkers in walker-steps/s.",
                "With --backend opencl or cuda, each kernel runs on the device next to the CPU backend on the same values.",
                "Times are medians over repetitions after a warm-up."})
public final class BenchCommand implements Callable<Integer> {
    static final List<String> KERNELS = List.of("matmul", "attention", "cross-entropy", "adamw", "walkers", "nanda", "all");
    static final List<String> SHAPES = List.of("square", "grok", "all");

    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--kernel", defaultValue = "all", paramLabel = "KERNEL",
            description = "matmul, attention, cross-entropy, adamw, walkers (walker-steps/s), nanda (full training steps "
                    + "vs PyTorch) or all (default: ${DEFAULT-VALUE}).")
    String kernel;

    @Option(names = "--walkers", defaultValue = "1000000", paramLabel = "N",
            description = "Walkers for --kernel walkers (default: ${DEFAULT-VALUE}).")
    int walkers;

    @Option(names = "--sizes", split = ",", paramLabel = "N",
            description = "Square matmul sizes, comma separated (default: 64,128,256,512,1024,2048; 64..1024 with --quick).")
    int[] sizes;

    @Option(names = "--shapes", defaultValue = "all", paramLabel = "SET",
            description = "Matmul shapes: square (the --sizes), grok (the grokking model's forward and backward), "
                    + "or all (default: ${DEFAULT-VALUE}).")
    String shapes;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "BACKEND",
            description = "Backend to time: cpu (against OpenBLAS), opencl[:P:D] or cuda[:N] (against the CPU backend) "
                    + "(default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--threads", paramLabel = "T",
            description = "Threads for groklab and OpenBLAS (default: all cores).")
    Integer threads;

    @Option(names = "--quick", description = "Shorter warm-up and fewer repetitions; skips the 2048 size.")
    boolean quick;

    @Override public Integer call() {
        CommandLine cl = spec.commandLine();
        if (!KERNELS.contains(kernel)) {
            throw new CommandLine.ParameterException(cl, "Invalid value for option '--kernel': '" + kernel
                    + "' (expected one of " + String.join(", ", KERNELS) + ")");
        }
        if (!SHAPES.contains(shapes)) {
            throw new CommandLine.ParameterException(cl, "Invalid value for option '--shapes': '" + shapes
                    + "' (expected one of " + String.join(", ", SHAPES) + ")");
        }
        if (threads != null && threads < 1) {
            throw new CommandLine.ParameterException(cl, "Invalid value for option '--threads': " + threads + " (expected >= 1)");
        }
        if (walkers < 1) {
            throw new CommandLine.ParameterException(cl, "Invalid value for option '--walkers': " + walkers + " (expected >= 1)");
        }
        if (sizes != null) {
            for (int s : sizes) {
                if (s < 1) {
                    throw new CommandLine.ParameterException(cl, "Invalid value for option '--sizes': " + s + " (expected >= 1)");
                }
            }
        }
        // The thread pool reads this once, when first used: set it before anything touches it.
        if (threads != null) System.setProperty("groklab.threads", Integer.toString(threads));
        PrintWriter out = cl.getOut();
        int t = Parallel.threads();
        if (threads != null && t != threads) {
            out.printf("note: the thread pool had already started with %d threads; --threads %d is ignored%n", t, threads);
        }
        Backend be = backend(cl);
        boolean onCpu = be.device().kind() == Device.Kind.CPU;
        Timer.Settings settings = quick ? Timer.Settings.QUICK : Timer.Settings.DEFAULT;
        out.printf("groklab bench: %s backend, %d CPU thread%s, %d-bit vectors, Java %s%n", be, t, t == 1 ? "" : "s",
                FloatVector.SPECIES_PREFERRED.vectorBitSize(), Runtime.version());
        if (!onCpu) out.println("device timings wait for the queue to drain; the peer is the CPU backend in the same run");

        boolean all = kernel.equals("all");
        if (all || kernel.equals("matmul")) {
            boolean blas = onCpu && OpenBlas.available();
            if (blas) {
                OpenBlas.setThreads(t);
                int bt = OpenBlas.threads();
                out.printf("OpenBLAS: %s (%s), %d thread%s%n", OpenBlas.library(), OpenBlas.config().trim(),
                        bt, bt == 1 ? "" : "s");
            } else if (onCpu) {
                out.println("OpenBLAS unavailable (" + OpenBlas.reason() + "): groklab figures only");
            }
            int[] sq = shapes.equals("grok") ? new int[0] : sizes != null ? sizes
                    : quick ? Arrays.stream(MatmulSuite.SQUARE_SIZES).filter(s -> s <= 1024).toArray() : MatmulSuite.SQUARE_SIZES;
            MatmulSuite.Peer peer = !onCpu ? MatmulSuite.Peer.CPU_BACKEND : blas ? MatmulSuite.Peer.OPENBLAS : MatmulSuite.Peer.NONE;
            List<MatmulSuite.Row> mm = MatmulSuite.runAll(be, MatmulSuite.cases(sq, !shapes.equals("square")), settings, peer, out);
            if (onGpu(be)) {
                // On a GPU host, PyTorch on the same GPU is the peer that matters.
                var torch = TorchMatmulPeer.fp32(sq, out);
                for (MatmulSuite.Row r : mm) {
                    Double g = torch.get(r.c().m());
                    if (g != null && r.c().name().endsWith("³")) {
                        out.printf("%-20s PyTorch fp32 %8.1f GFLOP/s, groklab %8.1f GFLOP/s: %5.0f%%%n", r.c().name(), g,
                                r.gflops(), 100 * r.gflops() / g);
                    }
                }
            }
            out.println();
        }
        List<KernelSuite.Row> rows = memoryBound(be, all, settings);
        if (!rows.isEmpty() && onCpu) KernelSuite.print(rows, out);
        if (!rows.isEmpty() && !onCpu) KernelSuite.print(rows, memoryBound(CpuBackend.get(), all, settings), "CPU", out);
        if (all || kernel.equals("walkers")) {
            List<WalkerSuite.Row> walkerRows = WalkerSuite.run(be, walkers, settings);
            // The CPU peer runs after the timed rows, in its own process, on the same cores.
            double peer = WalkerSuite.cpuPeer(walkers, t, out);
            WalkerSuite.print(walkerRows, peer, t, out);
            out.println();
        }
        if (all || kernel.equals("nanda")) dev.groklab.bench.TrainStepSuite.run(be, t, settings, out);
        out.flush();
        return 0;
    }

    private static boolean onGpu(Backend be) {
        if (be.device().kind() == Device.Kind.CUDA) return true;
        return be instanceof dev.groklab.backend.opencl.OpenClBackend cl && cl.info().isGpu();
    }

    private List<KernelSuite.Row> memoryBound(Backend be, boolean all, Timer.Settings settings) {
        List<KernelSuite.Row> rows = new ArrayList<>();
        if (all || kernel.equals("cross-entropy")) rows.addAll(KernelSuite.crossEntropy(be, settings));
        if (all || kernel.equals("adamw")) rows.addAll(KernelSuite.adamw(be, settings));
        if (all || kernel.equals("attention")) rows.addAll(KernelSuite.attention(be, settings));
        return rows;
    }

    /** The backend --backend names; one that cannot run here is a usage error naming the reason. */
    private Backend backend(CommandLine cl) {
        try {
            return BackendChoice.resolve(backend);
        } catch (Errors.BadInput e) {
            String why = e.getMessage().replaceFirst("^--backend:? ?", "");
            throw new CommandLine.ParameterException(cl, "Invalid value for option '--backend': " + why
                    + (why.contains("allowed") ? "" : " (allowed: " + BackendChoice.ALLOWED + ")"));
        }
    }
}
