package dev.groklab.bench;

import dev.groklab.backend.Backend;
import dev.groklab.backend.RepeatedStep;
import dev.groklab.data.AlgorithmicDataset;
import dev.groklab.data.Task;
import dev.groklab.tensor.Scope;
import dev.groklab.train.RunOutputs;
import dev.groklab.train.TrainConfig;
import dev.groklab.train.Trainer;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * Full-batch training steps per second of the `nanda` model (1-layer transformer, x+y mod 113,
 * 30% of the table), next to the PyTorch peer script run in the same invocation.
 */
public final class TrainStepSuite {
    public static final Path PEER = Path.of("bench/peers/nanda_torch.py");

    private TrainStepSuite() {}

    public static TrainConfig nanda(int models, String backend) {
        TrainConfig base = new TrainConfig("add", 113, 0.3, 0, false, "transformer", 1, 128, 4, 512, "relu", false, false, 0.0,
                0, new int[]{48}, "adamw", null, null, null, 0.9f, 0.98f, 1e-8f, 0f, false, false, false, "constant", 10, 1, 0,
                Integer.MAX_VALUE, 0, Integer.MAX_VALUE, 0, backend);
        List<Long> seeds = new java.util.ArrayList<>();
        for (int i = 0; i < models; i++) seeds.add((long) i);
        return TrainConfig.grid(base, seeds, List.of(1e-3f), List.of(1f));
    }

    /** Median seconds per full-batch step with {@code models} models trained together. */
    public static Timer.Result measure(Backend be, int models, Timer.Settings settings) {
        TrainConfig cfg = nanda(models, be.device().name());
        AlgorithmicDataset data = AlgorithmicDataset.build(Task.ADD, 113, 0.3, 0, false);
        try (Scope s = Scope.open()) {
            // Steps as training takes them between evaluations: replayed CUDA graphs on CUDA.
            try (RepeatedStep steps = new Trainer(be, cfg, data).steps(RunOutputs.NONE)) {
                return Timer.measure(steps::run, settings, be::synchronize);
            }
        }
    }

    /** Steps/s of the PyTorch peer on {@code device} (cpu or cuda), or NaN with a printed reason. */
    public static double peer(int threads, int steps, String device, PrintWriter out) {
        return PythonPeer.number("PyTorch peer", PEER, List.of("--threads", Integer.toString(threads),
                "--steps", Integer.toString(steps), "--device", device), "steps_per_s", out);
    }

    public static void run(Backend be, int threads, Timer.Settings settings, PrintWriter out) {
        out.println("nanda training step (x+y mod 113, 3,830 examples, full batch, AdamW):");
        // PyTorch has no OpenCL device: an OpenCL run is compared with PyTorch on the CPU.
        String device = be.device().kind() == dev.groklab.tensor.Device.Kind.CUDA ? "cuda" : "cpu";
        double peer = peer(threads, settings == Timer.Settings.QUICK ? 5 : 15, device, out);
        out.printf("  %-24s %12s %12s %10s%n", "models", "ms/step", "steps/s", "vs torch");
        for (int m : new int[]{1, 4}) {
            Timer.Result r = measure(be, m, settings);
            double sps = 1 / r.median();
            out.printf("  %-24s %12.1f %12.2f %10s%n", m + (m == 1 ? " model" : " models (per model x" + m + ")"),
                    r.medianMs(), sps, Double.isNaN(peer) ? "-" : String.format("%.2fx", sps * m / peer));
        }
        if (!Double.isNaN(peer)) out.printf("  %-24s %12.1f %12.2f%n", "PyTorch " + device + " (1 model)", 1e3 / peer, peer);
        out.flush();
    }
}
