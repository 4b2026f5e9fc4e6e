package dev.groklab.experiments;

import dev.groklab.circuits.NeuronStats;
import dev.groklab.circuits.SaliencyRecorder;
import dev.groklab.data.AlgorithmicDataset;
import dev.groklab.data.Task;
import dev.groklab.io.Json;
import dev.groklab.io.RunDirectory;
import dev.groklab.tensor.Scope;
import dev.groklab.train.DivergedException;
import dev.groklab.train.ModelCurves;
import dev.groklab.train.Progress;
import dev.groklab.train.RunRecorder;
import dev.groklab.train.TrainConfig;
import dev.groklab.train.Trainer;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Seed 001's proposed experiment on the grokking MLP (the `grok` preset: x+y mod 59, 40% of the
 * table, learned 32-wide embeddings, 256 ReLU neurons, AdamW lr 5e-3 wd 3): every few steps, the
 * IG saliency of each hidden neuron for the correct class's log-probability on the training set,
 * each neuron's median over the examples (heatmap over training), and the accuracy lost when the
 * top-k neurons by median saliency are zeroed, against k random neurons.
 */
public final class SaliencyExperiment implements Experiment {
    @Override public String name() { return "saliency"; }

    @Override public String description() {
        return "Seed 001: IG saliency of the grokking MLP's neurons and top-k ablation over training";
    }

    /** Sizes of one run: quick trades resolution for time. */
    record Plan(int steps, int every, int igSteps, int sample) {
        static Plan of(ExperimentContext ctx) {
            return ctx.quick() ? new Plan(ctx.steps(2000, 1500), 100, 16, 512) : new Plan(ctx.steps(2000, 1500), 50, 32, 0);
        }
    }

    static TrainConfig config(int steps, int evalEvery, long seed) {
        TrainConfig base = new TrainConfig("add", 59, 0.4, 0, false, "mlp", 1, 128, 4, 512, "relu", false, false, 0.0, 32,
                new int[]{256}, "adamw", null, null, null, 0.9f, 0.98f, 1e-8f, 0f, false, false, false, "constant", 10, 1, 0,
                steps, 0, evalEvery, 0, "auto");
        return TrainConfig.grid(base, List.of(seed), List.of(5e-3f), List.of(3f));
    }

    @Override public Map<String, Object> run(ExperimentContext ctx) throws IOException {
        Plan plan = Plan.of(ctx);
        TrainConfig cfg = config(plan.steps(), plan.every(), ctx.seed());
        SaliencyRecorder.Settings settings = SaliencyTracking.settings(plan.igSteps(), ctx.seed());
        AlgorithmicDataset data = AlgorithmicDataset.build(Task.parse(cfg.task()), cfg.p(), cfg.trainFraction(), cfg.splitSeed(), cfg.opToken());
        Map<String, Object> summary = new LinkedHashMap<>();
        try (Scope scope = Scope.open()) {
            Trainer trainer = new Trainer(ctx.backend(), cfg, data);
            RunDirectory dir = RunDirectory.open(ctx.sub("train"), false);
            long t0 = System.nanoTime();
            String status = "completed";
            try (RunRecorder rec = new RunRecorder(dir, cfg, ctx.backend(), trainer.model().layerPrefixes())) {
                SaliencyTracking out = new SaliencyTracking(rec, trainer, settings, plan.every(), plan.steps(), plan.sample(),
                        ctx.seed(), p -> ctx.log().println(line(p)));
                Map<String, Object> config = new LinkedHashMap<>();
                config.put("config", cfg);
                config.put("saliency", settings);
                config.put("attributed_examples", out.attributedExamples());
                Json.write(dir.config(), config);
                try {
                    trainer.run(out, Progress.NONE);
                } catch (DivergedException e) {
                    status = "diverged at step " + e.step();
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                rec.stepsPerSecond(trainer.step() / Math.max(secs - out.analysisSeconds(), 1e-9));
                rec.finish(ctx.backend().toString(), status);
                ModelCurves curves = rec.curves(0);
                out.write(ctx.dir(), curves);
                summary.put("status", status);
                summary.put("train_steps", trainer.step());
                summary.put("attributed_examples", out.attributedExamples());
                summary.put("ig_steps", plan.igSteps());
                summary.put("analysis_every", plan.every());
                summary.put("analysis_seconds", out.analysisSeconds());
                summary.put("memorized_step", curves.memorizedStep());
                summary.put("grokked_step", curves.grokkedStep());
                summary.putAll(SaliencySummary.phases(out.recorder().of(0), curves.memorizedStep(), curves.grokkedStep()));
                ctx.log().printf("saliency: %s in %.1f s (analysis %.1f s); memorized %s, grokked %s%n", status, secs,
                        out.analysisSeconds(), curves.memorizedStep(), curves.grokkedStep());
            }
        }
        return summary;
    }

    /** One progress line: accuracies, how concentrated the saliency is, and the top-8 ablation. */
    static String line(SaliencyRecorder.Point p) {
        return String.format("step %5d  train %.3f  test %.3f  medians > 0: %3d  active %.2f  skew(mean) %5.2f"
                        + "  carriers %3d (mean) %5.1f (per example)  top-8 drop train %.3f test %.3f  random-8 %.3f",
                p.step(), p.trainAcc(), p.testAcc(), p.stats().positiveMedians(), NeuronStats.median(p.stats().active()),
                NeuronStats.skewness(p.stats().mean()), p.stats().carriersOfMean(), p.carriersPerExample(),
                p.trainAcc() - p.trainTop()[3], p.testAcc() - p.testTop()[3], p.trainAcc() - p.trainRandom()[3]);
    }
}
