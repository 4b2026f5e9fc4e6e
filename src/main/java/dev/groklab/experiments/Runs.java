package dev.groklab.experiments;

import dev.groklab.data.AlgorithmicDataset;
import dev.groklab.data.Task;
import dev.groklab.io.Json;
import dev.groklab.io.RunDirectory;
import dev.groklab.tensor.Scope;
import dev.groklab.train.DivergedException;
import dev.groklab.train.Progress;
import dev.groklab.train.RunRecorder;
import dev.groklab.train.TrainConfig;
import dev.groklab.train.Trainer;

import dev.groklab.io.CurvePlot;
import dev.groklab.io.MetricsCsv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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
        AlgorithmicDataset data = AlgorithmicDataset.build(Task.parse(cfg.task()), cfg.p(), cfg.trainFraction(),
                cfg.splitSeed(), cfg.opToken());
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

    /** The curves of every model in a run's metrics.csv, labelled {@code label} (and the model index if several). */
    public static List<CurvePlot.Series> curves(Path runDir, String label) throws IOException {
        List<String> lines = Files.readAllLines(runDir.resolve("metrics.csv"));
        List<String> head = MetricsCsv.parseLine(lines.get(0));
        int cStep = head.indexOf("step"), cModel = head.indexOf("model"), cTrA = head.indexOf("train_acc"),
                cTeA = head.indexOf("test_acc"), cTrL = head.indexOf("train_loss"), cTeL = head.indexOf("test_loss"),
                cW = head.indexOf("weight_norm");
        Map<Integer, List<double[]>> rows = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) continue;
            List<String> f = MetricsCsv.parseLine(line);
            double[] r = {MetricsCsv.parseDouble(f.get(cStep)), MetricsCsv.parseDouble(f.get(cTrA)),
                    MetricsCsv.parseDouble(f.get(cTeA)), MetricsCsv.parseDouble(f.get(cTrL)),
                    MetricsCsv.parseDouble(f.get(cTeL)), MetricsCsv.parseDouble(f.get(cW))};
            rows.computeIfAbsent(Integer.parseInt(f.get(cModel)), k -> new ArrayList<>()).add(r);
        }
        List<CurvePlot.Series> out = new ArrayList<>();
        for (var e : rows.entrySet()) {
            List<double[]> r = e.getValue();
            double[][] col = new double[6][r.size()];
            for (int i = 0; i < r.size(); i++) for (int c = 0; c < 6; c++) col[c][i] = r.get(i)[c];
            out.add(new CurvePlot.Series(rows.size() == 1 ? label : label + " #" + e.getKey(), col[0], col[1], col[2],
                    col[3], col[4], col[5]));
        }
        return out;
    }
}
