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
    @Option(names = "--saliency-every", paramLabel = "N", description = "Every N steps (a multiple of --eval-every), integrated-gradients saliency of the first hidden layer's neurons and top-k ablation; writes saliency CSVs, heatmaps and ablation.png into the run directory (default 0 = off).") int saliencyEvery;
    @Option(names = "--ig-steps", paramLabel = "K", description = "Integrated-gradients quadrature intervals (default 32).") int igSteps = 32;
    @Option(names = "--saliency-sample", paramLabel = "S", description = "Attribute on S random training rows (default 0 = all).") int saliencySample;

    @Override public Integer call() throws Exception {
        if (resume != null && saliencyEvery != 0) {
            throw new Errors.BadInput("--saliency-every starts with a new run; --resume continues without it");
        }
        TrainingRun.Outcome o = resume != null
                ? TrainingRun.resume(resume, options.steps, quiet, System.out)
                : TrainingRun.start(options.resolve(null), out, "train", quiet, System.out,
                        new TrainingRun.Analysis(saliencyEvery, igSteps, saliencySample));
        TrainingRun.report(o, System.out);
        return o.exitCode();
    }
}
