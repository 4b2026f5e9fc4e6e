package dev.groklab.experiments;

import dev.groklab.io.Json;
import dev.groklab.io.RunDirectory;
import dev.groklab.tensor.Scope;
import dev.groklab.train.DivergedException;
import dev.groklab.train.Progress;
import dev.groklab.train.RunRecorder;
import dev.groklab.train.TrainConfig;
import dev.groklab.train.TrainData;
import dev.groklab.train.Trainer;

import dev.groklab.io.CurvePlot;
import dev.groklab.train.ModelCurves;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/** One training run of an experiment, into its own sub-directory (config, metrics, curves, summary). */
public final class Runs {
    private Runs() {}

    /**
     * Trains {@code cfg} into {@code ctx.sub(name)} and returns the run's summary (per-model
     * memorize/grok steps and final accuracies, as summary.json holds it). A run that diverges
     * is reported in its status, not thrown.
     */
    public static Map<String, Object> train(ExperimentContext ctx, String name, TrainConfig cfg) throws IOException {
        TrainData data = TrainData.load(cfg);
        try (Scope scope = Scope.open()) {
            Trainer trainer = new Trainer(ctx.backend(), cfg, data);
            RunDirectory dir = RunDirectory.open(ctx.sub(name), false);
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("config", cfg);
            config.put("backend", ctx.backend().toString());
            Json.write(dir.config(), config);
            long t0 = System.nanoTime();
            String status = "completed";
            try (RunRecorder rec = new RunRecorder(dir, cfg, ctx.backend(), trainer.model().layerPrefixes())) {
                try {
                    trainer.run(rec, Progress.NONE);
                } catch (DivergedException e) {
                    status = "diverged at step " + e.step();
                }
                rec.stepsPerSecond(trainer.step() / Math.max((System.nanoTime() - t0) / 1e9, 1e-9));
                Map<String, Object> summary = rec.finish(ctx.backend().toString(), status);
                ctx.log().printf("%s: %s in %.1f s%n", name, status, (System.nanoTime() - t0) / 1e9);
                return summary;
            }
        }
    }

    /** The evaluation history of each model of run {@code name}, read back from its metrics.csv. */
    public static List<ModelCurves> curves(ExperimentContext ctx, String name) throws IOException {
        return ModelCurves.read(ctx.sub(name).resolve("metrics.csv"));
    }

    /** The first evaluated step whose value in column {@code c} reaches {@code threshold}, or null. */
    public static Integer firstStep(ModelCurves curves, int c, double threshold) {
        double[] steps = curves.column(ModelCurves.STEP), v = curves.column(c);
        for (int i = 0; i < v.length; i++) if (v[i] >= threshold) return (int) steps[i];
        return null;
    }

    /** Run {@code name}'s models as plot series labelled {@code label} (and the model index if several). */
    public static List<CurvePlot.Series> series(ExperimentContext ctx, String name, String label) throws IOException {
        List<ModelCurves> models = curves(ctx, name);
        List<CurvePlot.Series> out = new ArrayList<>();
        for (int m = 0; m < models.size(); m++) {
            ModelCurves c = models.get(m);
            out.add(new CurvePlot.Series(models.size() == 1 ? label : label + " #" + m, c.column(ModelCurves.STEP),
                    c.column(ModelCurves.TRAIN_ACC), c.column(ModelCurves.TEST_ACC), c.column(ModelCurves.TRAIN_LOSS),
                    c.column(ModelCurves.TEST_LOSS), c.column(ModelCurves.WEIGHT_NORM)));
        }
        return out;
    }
}
