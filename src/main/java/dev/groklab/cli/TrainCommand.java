package dev.groklab.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `groklab train`: one run (or one batched ensemble) with every option exposed. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train transformers or MLPs on algorithmic tasks (Power et al. 2022) long past memorization.",
                "Comma lists (--lr 1e-3,3e-3 --wd 0,1) and --seeds N form a grid of models trained together in one batched computation.",
                "Writes config.json, metrics.csv, summary.json, curves.png and checkpoints/ into the run directory."})
final class TrainCommand implements Callable<Integer> {
    @Mixin TrainOptions options;

    @Option(names = "--out", description = "Run directory (default runs/train-<time>).") Path out;
    @Option(names = "--resume", description = "Continue the run in this directory from its latest checkpoint.") Path resume;
    @Option(names = "--quiet", description = "Print only the final report.") boolean quiet;

    @Override public Integer call() throws Exception {
        TrainingRun.Outcome o = resume != null
                ? TrainingRun.resume(resume, options.steps, quiet, System.out)
                : TrainingRun.start(options.resolve(null), out, "train", quiet, System.out);
        TrainingRun.report(o, System.out);
        return o.exitCode();
    }
}
