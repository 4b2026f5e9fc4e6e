package dev.groklab.cli;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.experiments.SaliencyTracking;
import dev.groklab.io.Json;
import dev.groklab.io.MetricsCsv;
import dev.groklab.io.RunDirectory;
import dev.groklab.io.Safetensors;
import dev.groklab.nn.NeuronAccess;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.train.DivergedException;
import dev.groklab.train.RunRecorder;
import dev.groklab.train.TrainConfig;
import dev.groklab.train.TrainData;
import dev.groklab.train.Trainer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs one training job into a run directory: fresh, or resumed from its latest checkpoint. */
final class TrainingRun {
    private TrainingRun() {}

    record Outcome(Path dir, Map<String, Object> summary, int exitCode) {}

    /**
     * Analysis alongside training: IG saliency and ablation every {@code saliencyEvery} steps
     * (0: none) with {@code igSteps} quadrature intervals on {@code sample} training rows (0: all).
     */
    record Analysis(int saliencyEvery, int igSteps, int sample) {
        static final Analysis NONE = new Analysis(0, 32, 0);

        void check(TrainConfig cfg) {
            if (saliencyEvery < 0) throw new Errors.BadInput("--saliency-every must be >= 0 (0 = off), got " + saliencyEvery);
            if (saliencyEvery > 0 && saliencyEvery % cfg.evalEvery() != 0) {
                throw new Errors.BadInput("--saliency-every " + saliencyEvery + " must be a multiple of --eval-every ("
                        + cfg.evalEvery() + "): the analysis runs at evaluation steps");
            }
            if (igSteps < 1) throw new Errors.BadInput("--ig-steps must be >= 1, got " + igSteps);
            if (sample < 0) throw new Errors.BadInput("--saliency-sample must be >= 0 (0 = every training row), got " + sample);
        }
    }

    static Outcome start(TrainConfig cfg, Path out, String name, boolean quiet, PrintStream log) throws IOException {
        return start(cfg, out, name, quiet, log, Analysis.NONE);
    }

    static Outcome start(TrainConfig cfg, Path out, String name, boolean quiet, PrintStream log, Analysis analysis) throws IOException {
        analysis.check(cfg);
        Backend be = BackendChoice.resolve(cfg.backend());
        TrainData data = TrainData.load(cfg);
        try (Scope scope = Scope.open()) {
            // Build everything that can reject the configuration before anything is written.
            Trainer trainer = new Trainer(be, cfg, data);
            if (analysis.saliencyEvery() > 0 && !(trainer.model() instanceof NeuronAccess)) {
                throw new Errors.BadInput("--saliency-every: the " + cfg.model() + " model has no hidden neurons to attribute"
                        + " (allowed models: mlp, mlp-onehot, transformer)");
            }
            RunDirectory dir = out != null ? RunDirectory.open(out, false) : RunDirectory.create(Path.of("runs"), name);
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("config", cfg);
            config.put("backend", be.toString());
            config.put("device", be.device().name());
            config.put("git_commit", RunDirectory.gitCommit());
            config.put("java", Runtime.version().toString());
            config.put("train_examples", data.trainCount());
            config.put("test_examples", data.testCount());
            Json.write(dir.config(), config);
            return run(be, cfg, trainer, dir, -1, quiet, log, analysis);
        }
    }

    static Outcome resume(Path runDir, Integer moreSteps, boolean quiet, PrintStream log) throws IOException {
        if (!Files.isDirectory(runDir) || !Files.exists(runDir.resolve("config.json"))) {
            throw new Errors.BadInput("--resume: " + runDir + " is not a run directory (no config.json)");
        }
        RunDirectory dir = RunDirectory.open(runDir, true);
        var root = Json.read(dir.config());
        TrainConfig cfg = Json.mapper().treeToValue(root.get("config"), TrainConfig.class);
        if (moreSteps != null) cfg = withSteps(cfg, moreSteps);
        Backend be = BackendChoice.resolve(cfg.backend());
        TrainData data = TrainData.load(cfg);
        int step = (int) (long) dir.latestCheckpoint().map(RunDirectory::checkpointStep).orElse(-1L);
        try (Scope scope = Scope.open()) {
            return run(be, cfg, new Trainer(be, cfg, data), dir, step, quiet, log, Analysis.NONE);
        }
    }

    private static TrainConfig withSteps(TrainConfig c, int steps) {
        Map<String, Object> m = Json.mapper().convertValue(c, Map.class);
        m.put("steps", steps);
        return Json.mapper().convertValue(m, TrainConfig.class);
    }

    private static Outcome run(Backend be, TrainConfig cfg, Trainer trainer, RunDirectory dir, int resumeStep,
                               boolean quiet, PrintStream log, Analysis analysis) throws IOException {
        {
            if (resumeStep >= 0) {
                MetricsCsv.truncateAfter(dir.metrics(), "step", resumeStep);
                Safetensors.Contents saved = Safetensors.read(dir.checkpoint(resumeStep));
                Map<String, Tensor> host = new LinkedHashMap<>();
                for (var e : trainer.state().entrySet()) {
                    if (!saved.contains(e.getKey())) throw new Errors.BadInput("--resume: checkpoint lacks " + e.getKey());
                    Tensor t = Backends.cpu().empty(e.getValue().dtype(), e.getValue().shape());
                    saved.readInto(e.getKey(), t);
                    host.put(e.getKey(), t);
                }
                trainer.restore(resumeStep, host);
                log.println("resuming " + dir + " from step " + resumeStep);
            } else if (dir.resumed()) {
                Files.deleteIfExists(dir.metrics());
            }
            String status = "completed";
            int code = 0;
            long t0 = System.nanoTime();
            int startStep = trainer.step();
            try (RunRecorder rec = new RunRecorder(dir, cfg, be, trainer.model().layerPrefixes());
                 ProgressDisplay progress = ProgressDisplay.create(quiet, log, cfg.models())) {
                SaliencyTracking sal = analysis.saliencyEvery() > 0 ? new SaliencyTracking(rec, trainer,
                        SaliencyTracking.settings(analysis.igSteps(), 0), analysis.saliencyEvery(), cfg.steps(),
                        analysis.sample(), 0, p -> {}) : null;
                try {
                    trainer.run(sal != null ? sal : rec, progress);
                } catch (DivergedException e) {
                    status = "diverged at step " + e.step();
                    code = 1;
                    log.println("groklab: " + e.getMessage());
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                rec.stepsPerSecond((trainer.step() - startStep) / Math.max(secs, 1e-9));
                Map<String, Object> summary = rec.finish(be.toString(), status);
                if (sal != null) {
                    // Saliency CSVs, heatmaps and the ablation plot next to the curves, for model 0's markers.
                    sal.write(dir.dir(), rec.curves(0));
                }
                return new Outcome(dir.dir(), summary, code);
            }
        }
    }

    /** The closing lines: where the run is and when each model memorized and grokked. */
    @SuppressWarnings("unchecked")
    static void report(Outcome o, PrintStream log) {
        log.println("run directory: " + o.dir());
        for (Map<String, Object> m : (List<Map<String, Object>>) o.summary().get("models")) {
            log.printf("model %s (seed %s, lr %s, wd %s): train accuracy >= 99%% at step %s, test accuracy >= 99%% at step %s; final train %.3f, test %.3f%n",
                    m.get("model"), m.get("seed"), m.get("lr"), m.get("wd"), orNever(m.get("memorized_step")),
                    orNever(m.get("grokked_step")), (Double) m.get("final_train_acc"), (Double) m.get("final_test_acc"));
        }
        log.printf("%.1f steps/s on %s%n", (Double) o.summary().get("steps_per_second"), o.summary().get("backend"));
    }

    private static String orNever(Object step) { return step == null ? "never" : step.toString(); }
}
