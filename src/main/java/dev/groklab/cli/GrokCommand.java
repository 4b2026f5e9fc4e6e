package dev.groklab.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `groklab grok`: the main job. A run that visibly memorizes, then generalizes. */
@Command(name = "grok", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a small network that memorizes modular addition, then groks it.",
                "On the CPU and OpenCL the default (preset grok) finishes in a few minutes on two cores; with --backend cuda it runs the nanda preset.",
                "Every train option applies; ends by printing the run directory and the steps at which train and test accuracy reached 99%%."})
final class GrokCommand implements Callable<Integer> {
    @Mixin TrainOptions options;

    @Option(names = "--out", description = "Run directory (default runs/grok-<time>).") Path out;
    @Option(names = "--quiet", description = "Print only the final report.") boolean quiet;

    @Override public Integer call() throws Exception {
        String backend = options.backend == null ? "auto" : options.backend;
        // The nanda preset needs a GPU's throughput; OpenCL may well be a CPU device (PoCL), so it keeps the CPU preset.
        boolean gpu = backend.startsWith("cuda");
        var cfg = options.resolve(gpu ? TrainOptions.Preset.nanda : TrainOptions.Preset.grok);
        TrainingRun.Outcome o = TrainingRun.start(cfg, out, "grok", quiet, System.out);
        TrainingRun.report(o, System.out);
        return o.exitCode();
    }
}
