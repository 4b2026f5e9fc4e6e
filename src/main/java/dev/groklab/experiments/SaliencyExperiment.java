package dev.groklab.experiments;

import dev.groklab.circuits.Examples;
import dev.groklab.circuits.IntegratedGradients;
import dev.groklab.circuits.NeuronStats;
import dev.groklab.circuits.Objective;
import dev.groklab.circuits.SaliencyRecorder;
import dev.groklab.data.AlgorithmicDataset;
import dev.groklab.data.Task;
import dev.groklab.io.Heatmap;
import dev.groklab.io.Json;
import dev.groklab.io.RunDirectory;
import dev.groklab.nn.NeuronAccess;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.train.DivergedException;
import dev.groklab.train.EvalRecord;
import dev.groklab.train.ModelCurves;
import dev.groklab.train.Progress;
import dev.groklab.train.RunOutputs;
import dev.groklab.train.RunRecorder;
import dev.groklab.train.Split;
import dev.groklab.train.TrainConfig;
import dev.groklab.train.Trainer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seed 001's proposed experiment on the grokking MLP (the `grok` preset: x+y mod 59, 40% of the
 * table, learned 32-wide embeddings, 256 ReLU neurons, AdamW lr 5e-3 wd 3): every few steps, the
 * IG saliency of each hidden neuron for the correct class's log-probability on the training set,
 * each neuron's median over the examples (heatmap over training), and the accuracy lost when the
 * top-k neurons by median saliency are zeroed, against k random neurons.
 */
public final class SaliencyExperiment implements Experiment {
    static final int[] KS = {1, 2, 4, 8, 16, 32, 64, 128};

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
        SaliencyRecorder.Settings settings = new SaliencyRecorder.Settings(0, plan.igSteps(), IntegratedGradients.Rule.MIDPOINT,
                Objective.LOG_PROB, KS, 40, 1234 + ctx.seed());
        SaliencyRecorder sal = new SaliencyRecorder(settings);
        AlgorithmicDataset data = AlgorithmicDataset.build(Task.parse(cfg.task()), cfg.p(), cfg.trainFraction(), cfg.splitSeed(), cfg.opToken());
        Map<String, Object> summary = new LinkedHashMap<>();
        try (Scope scope = Scope.open()) {
            Trainer trainer = new Trainer(ctx.backend(), cfg, data);
            NeuronAccess model = (NeuronAccess) trainer.model();
            Examples train = examples(trainer.trainSplit()), test = examples(trainer.testSplit());
            Examples attributeOn = plan.sample() > 0 && plan.sample() < train.count()
                    ? examples(trainer.trainSplit().rows(ctx.backend(), sample(train.count(), plan.sample(), ctx.seed())))
                    : train;
            RunDirectory dir = RunDirectory.open(ctx.sub("train"), false);
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("config", cfg);
            config.put("saliency", settings);
            config.put("attributed_examples", attributeOn.count());
            Json.write(dir.config(), config);
            long t0 = System.nanoTime();
            double[] analysisSeconds = {0};
            String status = "completed";
            try (RunRecorder rec = new RunRecorder(dir, cfg, ctx.backend(), model.layerPrefixes())) {
                RunOutputs out = new RunOutputs() {
                    @Override public void evaluation(EvalRecord r) {
                        rec.evaluation(r);
                        if (r.step() % plan.every() != 0 && r.step() != plan.steps()) return;
                        long a0 = System.nanoTime();
                        var p = sal.record(r.step(), model, attributeOn, train, test).get(0);
                        analysisSeconds[0] += (System.nanoTime() - a0) / 1e9;
                        ctx.log().printf("step %5d  train %.3f  test %.3f  medians > 0: %3d  active %.2f  skew(mean) %5.2f"
                                        + "  carriers %3d (mean) %5.1f (per example)  top-8 drop train %.3f test %.3f  random-8 %.3f%n",
                                r.step(), p.trainAcc(), p.testAcc(), p.stats().positiveMedians(), NeuronStats.median(p.stats().active()),
                                NeuronStats.skewness(p.stats().mean()), p.stats().carriersOfMean(), p.carriersPerExample(),
                                p.trainAcc() - p.trainTop()[3], p.testAcc() - p.testTop()[3], p.trainAcc() - p.trainRandom()[3]);
                    }

                    @Override public void checkpoint(int step, LinkedHashMap<String, Tensor> state) { rec.checkpoint(step, state); }
                };
                try {
                    trainer.run(out, Progress.NONE);
                } catch (DivergedException e) {
                    status = "diverged at step " + e.step();
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                rec.stepsPerSecond(trainer.step() / Math.max(secs - analysisSeconds[0], 1e-9));
                rec.finish(ctx.backend().toString(), status);
                ModelCurves curves = rec.curves(0);
                List<Heatmap.Marker> markers = new ArrayList<>();
                if (curves.memorizedStep() != null) markers.add(new Heatmap.Marker(curves.memorizedStep(), "train ≥ 99%"));
                if (curves.grokkedStep() != null) markers.add(new Heatmap.Marker(curves.grokkedStep(), "test ≥ 99%"));
                sal.write(ctx.dir(), markers);
                summary.put("status", status);
                summary.put("train_steps", trainer.step());
                summary.put("attributed_examples", attributeOn.count());
                summary.put("ig_steps", plan.igSteps());
                summary.put("analysis_every", plan.every());
                summary.put("analysis_seconds", analysisSeconds[0]);
                summary.put("memorized_step", curves.memorizedStep());
                summary.put("grokked_step", curves.grokkedStep());
                summary.putAll(SaliencySummary.phases(sal.of(0), curves.memorizedStep(), curves.grokkedStep()));
                ctx.log().printf("saliency: %s in %.1f s (analysis %.1f s); memorized %s, grokked %s%n", status, secs,
                        analysisSeconds[0], curves.memorizedStep(), curves.grokkedStep());
            }
        }
        return summary;
    }

    private static Examples examples(Split s) { return new Examples(s.ids(), s.labels(), s.hostLabels()); }

    /** A fixed random subset of the training rows, in ascending order. */
    static int[] sample(int n, int k, long seed) {
        Random r = new Random(0x5A11L + seed);
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int i = 0; i < k; i++) {
            int j = i + r.nextInt(n - i);
            int t = perm[i]; perm[i] = perm[j]; perm[j] = t;
        }
        int[] out = java.util.Arrays.copyOf(perm, k);
        java.util.Arrays.sort(out);
        return out;
    }
}
