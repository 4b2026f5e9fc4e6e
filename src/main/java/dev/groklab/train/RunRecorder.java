package dev.groklab.train;

import dev.groklab.backend.Backend;
import dev.groklab.io.CurvePlot;
import dev.groklab.io.Json;
import dev.groklab.io.MetricsCsv;
import dev.groklab.io.RunDirectory;
import dev.groklab.io.Safetensors;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a training run's directory: metrics.csv streamed row by row, checkpoints written
 * atomically in the safetensors layout, and at the end summary.json and curves.png.
 */
public final class RunRecorder implements RunOutputs, AutoCloseable {
    private final RunDirectory dir;
    private final TrainConfig cfg;
    private final Backend be;
    private final List<String> layerNames;
    private final ModelCurves[] curves;
    private final MetricsCsv csv;
    private final List<String> extraColumns;
    private final Map<String, double[]> lastExtra = new LinkedHashMap<>();
    private double stepsPerSecond;

    public RunRecorder(RunDirectory dir, TrainConfig cfg, Backend be, List<String> layerNames) throws IOException {
        this.dir = dir;
        this.cfg = cfg;
        this.be = be;
        this.layerNames = layerNames;
        this.curves = new ModelCurves[cfg.models()];
        for (int m = 0; m < curves.length; m++) curves[m] = new ModelCurves();
        List<String> header = new ArrayList<>(List.of("step", "model", "seed", "lr", "wd", "train_loss", "train_acc",
                "test_loss", "test_acc", "weight_norm", "grad_norm"));
        for (String l : layerNames) header.add("norm_" + (l.endsWith(".") ? l.substring(0, l.length() - 1) : l));
        this.extraColumns = LowLossMethods.columns(cfg);
        header.addAll(extraColumns);
        if (dir.resumed()) reload(dir.metrics());
        this.csv = MetricsCsv.open(dir.metrics(), header, dir.resumed());
    }

    public RunDirectory directory() { return dir; }

    /** Rows of an interrupted run, up to its checkpoint (later rows were already truncated). */
    private void reload(Path metrics) throws IOException {
        List<ModelCurves> saved = ModelCurves.read(metrics);
        for (int m = 0; m < Math.min(curves.length, saved.size()); m++) curves[m] = saved.get(m);
    }

    @Override public void evaluation(EvalRecord r) {
        try {
            for (int m = 0; m < r.models(); m++) {
                List<Object> row = new ArrayList<>(List.of(r.step(), m, cfg.seeds()[m], cfg.lr()[m], cfg.weightDecay()[m],
                        r.trainLoss()[m], r.trainAcc()[m], r.testLoss()[m], r.testAcc()[m], r.weightNorm()[m], r.gradNorm()[m]));
                for (double[] layer : r.layerNorms()) row.add(layer[m]);
                for (String c : extraColumns) row.add(r.extra().containsKey(c) ? r.extra().get(c)[m] : Double.NaN);
                csv.row(row);
                curves[m].add(r.step(), r.trainAcc()[m], r.testAcc()[m], r.trainLoss()[m], r.testLoss()[m], r.weightNorm()[m]);
            }
            lastExtra.putAll(r.extra());
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + dir.metrics(), e);
        }
    }

    @Override public void checkpoint(int step, LinkedHashMap<String, Tensor> state) {
        try (Scope s = Scope.open()) {
            LinkedHashMap<String, Tensor> host = new LinkedHashMap<>();
            state.forEach((k, t) -> host.put(k, be.toHost(t)));
            Files.createDirectories(dir.checkpoints());
            Safetensors.write(dir.checkpoint(step), host, Map.of("step", Integer.toString(step), "format", "groklab-train-1"));
        } catch (IOException e) {
            throw new UncheckedIOException("writing checkpoint " + dir.checkpoint(step), e);
        }
    }

    public void stepsPerSecond(double sps) { this.stepsPerSecond = sps; }

    public ModelCurves curves(int model) { return curves[model]; }

    /** Writes summary.json and curves.png from everything recorded. */
    public Map<String, Object> finish(String backendName, String status) throws IOException {
        List<Map<String, Object>> models = new ArrayList<>();
        List<CurvePlot.Series> series = new ArrayList<>();
        for (int m = 0; m < curves.length; m++) {
            ModelCurves c = curves[m];
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("model", m);
            e.put("seed", cfg.seeds()[m]);
            e.put("lr", cfg.lr()[m]);
            e.put("wd", cfg.weightDecay()[m]);
            e.put("memorized_step", c.memorizedStep());
            e.put("grokked_step", c.grokkedStep());
            e.put("final_train_acc", c.last(ModelCurves.TRAIN_ACC));
            e.put("final_test_acc", c.last(ModelCurves.TEST_ACC));
            e.put("final_train_loss", c.last(ModelCurves.TRAIN_LOSS));
            e.put("final_test_loss", c.last(ModelCurves.TEST_LOSS));
            e.put("final_weight_norm", c.last(ModelCurves.WEIGHT_NORM));
            if (lastExtra.containsKey(LowLossMethods.ACCEPT_TOTAL)) {
                e.put("hmc_acceptance", lastExtra.get(LowLossMethods.ACCEPT_TOTAL)[m]);
                e.put("hmc_temperature", lastExtra.get(LowLossMethods.TEMPERATURE)[m]);
            }
            models.add(e);
            series.add(new CurvePlot.Series(label(m), c.column(ModelCurves.STEP), c.column(ModelCurves.TRAIN_ACC),
                    c.column(ModelCurves.TEST_ACC), c.column(ModelCurves.TRAIN_LOSS), c.column(ModelCurves.TEST_LOSS),
                    c.column(ModelCurves.WEIGHT_NORM)));
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("status", status);
        summary.put("backend", backendName);
        summary.put("steps_per_second", stepsPerSecond);
        summary.put("threshold", ModelCurves.THRESHOLD);
        summary.put("models", models);
        Json.write(dir.summary(), summary);
        CurvePlot.write(dir.curves(), series, title(cfg));
        return summary;
    }

    static String title(TrainConfig c) {
        if (TrainData.isImageTask(c.task())) {
            return "images (" + c.omnigrok().trainCount() + " train), " + c.model() + ", " + c.omnigrok().loss()
                    + ", init ×" + c.initScale() + (c.omnigrok().constrainNorm() ? ", norm fixed" : "");
        }
        return c.task() + " mod " + c.p() + ", " + c.model() + ", frac " + c.trainFraction();
    }

    private String label(int m) {
        boolean lrs = distinct(cfg.lr()), wds = distinct(cfg.weightDecay());
        StringBuilder b = new StringBuilder("seed " + cfg.seeds()[m]);
        if (lrs) b.append(" lr ").append(cfg.lr()[m]);
        if (wds) b.append(" wd ").append(cfg.weightDecay()[m]);
        return b.toString();
    }

    private static boolean distinct(float[] v) {
        for (float x : v) if (x != v[0]) return true;
        return false;
    }

    @Override public void close() throws IOException { csv.close(); }
}
