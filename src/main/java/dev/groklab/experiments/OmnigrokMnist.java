package dev.groklab.experiments;

import dev.groklab.io.CurvePlot;
import dev.groklab.train.ModelCurves;
import dev.groklab.train.TrainConfig;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Omnigrok's grokking on images (targets item 4): 1,000 training images, MSE, a depth-3 width-200
 * MLP whose initial weights are multiplied by α = 8, AdamW with weight decay. Training accuracy
 * saturates long before test accuracy rises. A run at α = 1 (standard init) is the control:
 * "generalized" means reaching 95% of the control's best test accuracy (Fashion-MNIST tops out
 * far below MNIST's 95%). AdamW's decoupled decay shrinks the weights by (1 − lr·wd) per step, and
 * the test accuracy rises as the norm comes down from α × its usual size; the quick variant uses
 * wd 0.1 instead of 0.01, so the same delay plays out ten times sooner (at wd 0.3 the norm falls
 * before the training set is fitted and the delay disappears).
 */
final class OmnigrokMnist implements Experiment {
    static final double ALPHA = 8;

    @Override public String name() { return "omnigrok-mnist"; }

    @Override public String description() {
        return "Omnigrok: 1,000 Fashion-MNIST images, MSE, MLP 200x200 at init x8 with wd: train fits long before test rises";
    }

    @Override public Map<String, Object> run(ExperimentContext ctx) throws IOException {
        boolean q = ctx.quick();
        float wd = q ? 0.1f : 0.01f;
        int steps = ctx.steps(100_000, 13_000), eval = 500;
        int controlSteps = Math.min(steps, q ? 1500 : 10_000);
        String be = OmnigrokSupport.backendName(ctx);
        TrainConfig large = OmnigrokConfigs.mnist(ALPHA, wd, false, 1000, steps, eval, ctx.seed(), be);
        TrainConfig control = OmnigrokConfigs.mnist(1, wd, false, 1000, controlSteps, eval, ctx.seed(), be);
        Runs.train(ctx, "alpha-8", large);
        Runs.train(ctx, "alpha-1", control);
        ModelCurves l = Runs.curves(ctx, "alpha-8").get(0), c = Runs.curves(ctx, "alpha-1").get(0);

        double controlBest = OmnigrokSupport.max(c.column(ModelCurves.TEST_ACC));
        double threshold = 0.95 * controlBest;
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("data_dir", large.omnigrok().dataDir());
        s.put("train_images", 1000);
        s.put("alpha", ALPHA);
        s.put("weight_decay", wd);
        s.put("steps", steps);
        s.put("large_init", OmnigrokSupport.describe(l));
        s.put("control_alpha_1", OmnigrokSupport.describe(c));
        s.put("generalized_threshold", threshold);
        Integer memorized = Runs.firstStep(l, ModelCurves.TRAIN_ACC, ModelCurves.THRESHOLD);
        Integer generalized = Runs.firstStep(l, ModelCurves.TEST_ACC, threshold);
        s.put("large_init_memorized_step", memorized);
        s.put("large_init_generalized_step", generalized);
        s.put("control_generalized_step", Runs.firstStep(c, ModelCurves.TEST_ACC, threshold));
        s.put("large_init_test_acc_at_memorization", memorized == null ? null : OmnigrokSupport.at(l, ModelCurves.TEST_ACC, memorized));
        CurvePlot.write(ctx.dir().resolve("grokking.png"), List.of(
                OmnigrokSupport.series("α = 8", l), OmnigrokSupport.series("α = 1", c)),
                "1,000 images, MSE, MLP 200×200, wd " + wd);
        ctx.log().printf("alpha 8: train >= 99%% at step %s, test >= %.3f at step %s (final test %.3f); alpha 1 best test %.3f%n",
                memorized, threshold, generalized, l.last(ModelCurves.TEST_ACC), controlBest);
        return s;
    }
}
