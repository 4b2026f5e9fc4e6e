package dev.groklab.experiments;

import dev.groklab.io.CurvePlot;
import dev.groklab.train.TrainConfig;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Seed 001's thread on learning-rate jumps: after the model has memorized, multiply the rate by
 * 5, 10 and 50, next to the base rate throughout and the 10× rate from the start. On x+y and
 * x/y mod p and S5 composition, with the grokking MLP (learned embeddings, AdamW, weight decay 1).
 * The seed's observation to test: after a jump the train accuracy falls toward the test
 * accuracy, then both rise together; a larger jump does not always converge sooner.
 */
public final class LrJumpExperiment implements Experiment {
    static final float BASE_LR = 1e-3f;
    static final double[] FACTORS = {5, 10, 50};

    @Override public String name() { return "lr-jump"; }

    @Override public String description() {
        return "x+y, x/y, S5: learning rate x5, x10, x50 after memorization vs base and x10 from the start (seed 001)";
    }

    @Override public Map<String, Object> run(ExperimentContext ctx) throws IOException {
        int steps = ctx.steps(4000, 1000);
        int jumpAt = ctx.steps() > 0 ? Math.max(1, steps / 4) : ctx.quick() ? 300 : 1000;
        List<String> tasks = List.of("add", "div", "s5");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("steps", steps);
        out.put("jump_step", jumpAt);
        out.put("base_lr", BASE_LR);
        List<Map<String, Object>> runs = new ArrayList<>();
        for (String task : tasks) {
            List<CurvePlot.Series> curves = new ArrayList<>();
            List<Run> plan = new ArrayList<>();
            plan.add(new Run("base", BASE_LR, 1, 0));
            for (double f : FACTORS) plan.add(new Run("x" + (int) f + "@" + jumpAt, BASE_LR, f, jumpAt));
            plan.add(new Run("x10 from start", BASE_LR * 10, 1, 0));
            for (Run r : plan) {
                String name = task + "-" + r.label.replace(' ', '-').replace("@", "-at-");
                TrainConfig cfg = config(task, r, steps, ctx.seed(), ctx.backend().device().name());
                Map<String, Object> summary = Runs.train(ctx, name, cfg);
                curves.addAll(Runs.series(ctx, name, r.label));
                @SuppressWarnings("unchecked")
                Map<String, Object> model = ((List<Map<String, Object>>) summary.get("models")).get(0);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("task", task);
                row.put("run", r.label);
                row.put("status", summary.get("status"));
                for (String k : List.of("memorized_step", "grokked_step", "final_train_acc", "final_test_acc")) row.put(k, model.get(k));
                runs.add(row);
            }
            CurvePlot.write(ctx.dir().resolve("lr-jump-" + task + ".png"), curves,
                    "learning-rate jumps at step " + jumpAt + ": " + task + (task.equals("s5") ? "" : " mod 59"));
        }
        out.put("runs", runs);
        return out;
    }

    private record Run(String label, float lr, double factor, int at) {}

    /** The grokking MLP (as the grok preset) with weight decay 1 and the run's rate schedule. */
    private static TrainConfig config(String task, Run r, int steps, long seedOffset, String backend) {
        // S5's table is 120² rows: a smaller training fraction keeps its runs as cheap as the p = 59 ones.
        TrainConfig base = new TrainConfig(task, 59, task.equals("s5") ? 0.3 : 0.4, 0, false, "mlp", 1, 128, 4, 512, "relu", false, false, 0.0, 32,
                new int[]{256}, "adamw", null, null, null, 0.9f, 0.98f, 1e-8f, 0f, false, false, false, "constant", 10,
                r.factor, r.at, steps, 0, 25, 0, backend);
        return TrainConfig.grid(base, List.of(seedOffset), List.of(r.lr), List.of(1f));
    }
}
