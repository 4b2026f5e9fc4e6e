package dev.groklab.experiments;

import dev.groklab.io.CurvePlot;
import dev.groklab.train.ModelCurves;
import dev.groklab.train.TrainConfig;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Omnigrok on modular addition: the weight norm held at 0.8 × its initial value (--constrain-norm)
 * with no weight decay, against the same model trained freely without weight decay. Full size is
 * Nanda et al.'s transformer (x+y mod 113); the quick variant uses the `grok` preset's MLP.
 */
final class OmnigrokModAddSphere implements Experiment {
    static final double ALPHA = 0.8;

    @Override public String name() { return "omnigrok-modadd-sphere"; }

    @Override public String description() {
        return "Omnigrok: modular addition with the weight norm fixed at 0.8 x init and wd 0 generalizes; free wd 0 does not";
    }

    @Override public Map<String, Object> run(ExperimentContext ctx) throws IOException {
        boolean q = ctx.quick();
        int steps = ctx.steps(3000, 2500), eval = q ? 50 : 100;
        String be = OmnigrokSupport.backendName(ctx);
        TrainConfig sphere = q ? OmnigrokConfigs.smallModAdd(ALPHA, 0f, true, steps, eval, ctx.seed(), be)
                : OmnigrokConfigs.nanda(ALPHA, 0f, true, steps, eval, ctx.seed(), be);
        TrainConfig free = q ? OmnigrokConfigs.smallModAdd(1, 0f, false, steps, eval, ctx.seed(), be)
                : OmnigrokConfigs.nanda(1, 0f, false, steps, eval, ctx.seed(), be);
        Runs.train(ctx, "sphere", sphere);
        Runs.train(ctx, "free-wd0", free);
        ModelCurves s = Runs.curves(ctx, "sphere").get(0), f = Runs.curves(ctx, "free-wd0").get(0);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", sphere.model());
        out.put("p", sphere.p());
        out.put("train_fraction", sphere.trainFraction());
        out.put("alpha", ALPHA);
        out.put("steps", steps);
        Map<String, Object> sd = OmnigrokSupport.describe(s), fd = OmnigrokSupport.describe(f);
        sd.put("generalized_step", s.grokkedStep());
        sd.put("test_0.9_step", Runs.firstStep(s, ModelCurves.TEST_ACC, 0.9));
        fd.put("generalized_step", f.grokkedStep());
        fd.put("test_0.9_step", Runs.firstStep(f, ModelCurves.TEST_ACC, 0.9));
        out.put("sphere", sd);
        out.put("free_wd0", fd);
        CurvePlot.write(ctx.dir().resolve("sphere.png"), List.of(
                OmnigrokSupport.series("‖w‖ fixed at 0.8·init, wd 0", s), OmnigrokSupport.series("free, wd 0", f)),
                sphere.task() + " mod " + sphere.p() + ", " + sphere.model());
        ctx.log().printf("sphere: train >= 99%% at %s, test >= 99%% at %s (final %.3f); free wd 0: %s, %s (final %.3f)%n",
                s.memorizedStep(), s.grokkedStep(), s.last(ModelCurves.TEST_ACC), f.memorizedStep(), f.grokkedStep(),
                f.last(ModelCurves.TEST_ACC));
        return out;
    }
}
