package dev.groklab.experiments;

import dev.groklab.io.CurvePlot;
import dev.groklab.io.MetricsCsv;
import dev.groklab.train.Exploration;
import dev.groklab.train.TrainConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Seed 000's "exploring the low-loss set": a model memorizes x+y mod 59 with Adam and no weight
 * decay (phase 1); from its final checkpoint, phase 2 continues with each method for the same
 * number of gradient evaluations: Adam without and with weight decay (the baselines), weight
 * noise, gradient noise, antiregularization, a pull of the weight norm toward 1.5× its start,
 * and HMC at the equipartition temperature. Writes low-loss.png (test/train accuracy, loss and
 * weight norm against gradient evaluations since the start of phase 1).
 */
public final class LowLossExperiment implements Experiment {
    static final int P = 59, EMBED = 32, HIDDEN = 256, LEAPFROG = 10;
    static final double FRAC = 0.4;
    static final float LR = 5e-3f;
    static final double WEIGHT_NOISE = 1e-2, GRAD_NOISE = 1e-3, ANTIREG = 1e-4, NORM_STRENGTH = 1e-3, NORM_FACTOR = 1.5;
    static final double HMC_STEP = 1e-4;

    @Override public String name() { return "low-loss"; }

    @Override public String description() {
        return "Seed 000: continue a memorizing model (Adam, no decay) with noise, antiregularization, a norm pull or HMC vs Adam ± decay";
    }

    /** An MLP on x+y mod 59 (the grok preset's model) trained full-batch with Adam. */
    static TrainConfig config(long seed, String optimizer, int steps, int evalEvery, List<Float> lrs, List<Float> wds, Exploration e) {
        TrainConfig base = new TrainConfig("add", P, FRAC, 0, false, "mlp", 1, 128, 4, 512, "relu", false, false, 0.0, EMBED,
                new int[]{HIDDEN}, optimizer, null, null, null, 0.9f, 0.98f, 1e-8f, 0f, false, false, false, "constant",
                optimizer.equals("hmc") ? 0 : 10, 1, 0, steps, 0, evalEvery, 0, "auto", 1.0);
        return TrainConfig.grid(base, List.of(seed), lrs, wds).withExplore(e);
    }

    @SuppressWarnings("unchecked")
    @Override public Map<String, Object> run(ExperimentContext ctx) throws IOException {
        int memorize = ctx.quick() ? 150 : 300;
        int steps = ctx.steps(2000, 200);
        int every = Math.max(1, steps / 40);
        int hmcSteps = Math.max(2, steps / (LEAPFROG + 1));
        long seed = ctx.seed();

        ctx.log().printf("phase 1: Adam without weight decay for %d steps%n", memorize);
        Map<String, Object> p1 = Runs.train(ctx, "phase1", config(seed, "adamw", memorize, Math.max(1, memorize / 15),
                List.of(LR), List.of(0f), Exploration.NONE));
        Map<String, Object> start = ((List<Map<String, Object>>) p1.get("models")).get(0);
        double startNorm = ((Number) start.get("final_weight_norm")).doubleValue();
        Exploration from = Exploration.NONE.withInitFrom(ctx.sub("phase1").toString());

        record Method(String name, String run, int model, TrainConfig cfg, int evalsPerStep) {}
        TrainConfig adam = config(seed, "adamw", steps, every, List.of(LR), List.of(0f, 1f), from);
        List<Method> methods = List.of(
                new Method("Adam, wd 0", "adam", 0, adam, 1),
                new Method("AdamW, wd 1", "adam", 1, adam, 1),
                new Method("weight noise " + WEIGHT_NOISE, "weight-noise", 0, config(seed, "adamw", steps, every, List.of(LR),
                        List.of(0f), new Exploration(from.initFrom(), WEIGHT_NOISE, 0, 0, 0, 0, LEAPFROG, 0, 0)), 1),
                new Method("grad noise " + GRAD_NOISE, "grad-noise", 0, config(seed, "adamw", steps, every, List.of(LR),
                        List.of(0f), new Exploration(from.initFrom(), 0, GRAD_NOISE, 0, 0, 0, LEAPFROG, 0, 0)), 1),
                new Method("antireg " + ANTIREG, "antireg", 0, config(seed, "adamw", steps, every, List.of(LR),
                        List.of(0f), new Exploration(from.initFrom(), 0, 0, ANTIREG, 0, 0, LEAPFROG, 0, 0)), 1),
                new Method(String.format("norm → %.0f", NORM_FACTOR * startNorm), "norm-target", 0, config(seed, "adamw", steps,
                        every, List.of(LR), List.of(0f), new Exploration(from.initFrom(), 0, 0, 0, NORM_FACTOR * startNorm,
                        NORM_STRENGTH, LEAPFROG, 0, 0)), 1),
                new Method("HMC eps " + HMC_STEP + ", L " + LEAPFROG, "hmc", 0, config(seed, "hmc", hmcSteps,
                        Math.max(1, hmcSteps / 20), List.of(LR), List.of(0f),
                        new Exploration(from.initFrom(), 0, 0, 0, 0, 0, LEAPFROG, HMC_STEP, 0)), LEAPFROG + 1));

        List<CurvePlot.Series> series = new ArrayList<>();
        series.add(curve(ctx.sub("phase1"), 0, "phase 1: Adam, wd 0", 0, 1));
        Map<String, Map<String, Object>> summaries = new LinkedHashMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Method m : methods) {
            if (!summaries.containsKey(m.run())) {
                ctx.log().printf("phase 2: %s for %d steps%n", m.run(), m.cfg().steps());
                summaries.put(m.run(), Runs.train(ctx, m.run(), m.cfg()));
            }
            Map<String, Object> model = ((List<Map<String, Object>>) summaries.get(m.run()).get("models")).get(m.model());
            CurvePlot.Series c = curve(ctx.sub(m.run()), m.model(), m.name(), memorize, m.evalsPerStep());
            series.add(c);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("method", m.name());
            row.put("run", m.run());
            row.put("steps", m.cfg().steps());
            row.put("gradient_evaluations", m.cfg().steps() * m.evalsPerStep());
            row.put("final_train_acc", model.get("final_train_acc"));
            row.put("final_test_acc", model.get("final_test_acc"));
            row.put("max_test_acc", max(c.testAcc()));
            row.put("final_train_loss", model.get("final_train_loss"));
            row.put("final_weight_norm", model.get("final_weight_norm"));
            if (model.containsKey("hmc_acceptance")) {
                row.put("hmc_acceptance", model.get("hmc_acceptance"));
                row.put("hmc_temperature", model.get("hmc_temperature"));
            }
            rows.add(row);
            ctx.log().printf("%-28s train %.3f  test %.3f (max %.3f)  norm %.1f%s%n", m.name(),
                    ((Number) model.get("final_train_acc")).doubleValue(), ((Number) model.get("final_test_acc")).doubleValue(),
                    max(c.testAcc()), ((Number) model.get("final_weight_norm")).doubleValue(),
                    model.containsKey("hmc_acceptance") ? String.format("  acceptance %.3f", ((Number) model.get("hmc_acceptance")).doubleValue()) : "");
        }
        CurvePlot.write(ctx.dir().resolve("low-loss.png"), series,
                "x+y mod " + P + ": after memorizing (step " + memorize + "), x = gradient evaluations");

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("memorize_steps", memorize);
        out.put("memorized_step", start.get("memorized_step"));
        out.put("start_train_acc", start.get("final_train_acc"));
        out.put("start_test_acc", start.get("final_test_acc"));
        out.put("start_weight_norm", startNorm);
        out.put("phase2_steps", steps);
        out.put("methods", rows);
        out.put("plot", "low-loss.png");
        return out;
    }

    /** One model's curve from a run's metrics.csv, x shifted by {@code offset} and scaled by gradient evaluations per step. */
    static CurvePlot.Series curve(Path run, int model, String label, int offset, int evalsPerStep) throws IOException {
        List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
        List<String> head = MetricsCsv.parseLine(lines.get(0));
        String[] cols = {"step", "train_acc", "test_acc", "train_loss", "test_loss", "weight_norm"};
        int cm = head.indexOf("model");
        List<double[]> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) continue;
            List<String> f = MetricsCsv.parseLine(line);
            if (Integer.parseInt(f.get(cm)) != model) continue;
            double[] r = new double[cols.length];
            for (int i = 0; i < cols.length; i++) r[i] = MetricsCsv.parseDouble(f.get(head.indexOf(cols[i])));
            r[0] = offset + r[0] * evalsPerStep;
            rows.add(r);
        }
        double[][] c = new double[cols.length][rows.size()];
        for (int j = 0; j < rows.size(); j++) for (int i = 0; i < cols.length; i++) c[i][j] = rows.get(j)[i];
        return new CurvePlot.Series(label, c[0], c[1], c[2], c[3], c[4], c[5]);
    }

    private static double max(double[] v) {
        double m = 0;
        for (double x : v) m = Math.max(m, x);
        return m;
    }
}
