package dev.groklab.experiments;

import dev.groklab.io.XyPlot;
import dev.groklab.train.ModelCurves;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Omnigrok's α sweep on images: the MNIST setup with the weight norm held at α × its standard
 * initial value (--constrain-norm) and no weight decay, for α log-spaced over [0.1, 10]. Final
 * train and test accuracy and loss against α: Omnigrok's "LU" picture, where large α still fits
 * the training set but generalizes worse. One run per α (the grid batches seeds, rates and
 * decays, not init scales).
 */
final class OmnigrokAlpha implements Experiment {
    @Override public String name() { return "omnigrok-alpha"; }

    @Override public String description() {
        return "Omnigrok: images with the weight norm fixed at alpha x init, alpha in [0.1, 10], wd 0: accuracy and loss vs alpha";
    }

    static double[] alphas(int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = Math.pow(10, -1 + 2.0 * i / (n - 1));
        return a;
    }

    @Override public Map<String, Object> run(ExperimentContext ctx) throws IOException {
        boolean q = ctx.quick();
        double[] alphas = alphas(q ? 5 : 9);
        int steps = ctx.steps(20_000, 1500), eval = q ? 250 : 1000;
        int n = alphas.length;
        double[] trA = new double[n], teA = new double[n], trL = new double[n], teL = new double[n], best = new double[n];
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = String.format("alpha-%.3f", alphas[i]);
            Runs.train(ctx, name, OmnigrokConfigs.mnist(alphas[i], 0f, true, 1000, steps, eval, ctx.seed(),
                    OmnigrokSupport.backendName(ctx)));
            ModelCurves c = Runs.curves(ctx, name).get(0);
            trA[i] = c.last(ModelCurves.TRAIN_ACC);
            teA[i] = c.last(ModelCurves.TEST_ACC);
            trL[i] = c.last(ModelCurves.TRAIN_LOSS);
            teL[i] = c.last(ModelCurves.TEST_LOSS);
            best[i] = OmnigrokSupport.max(c.column(ModelCurves.TEST_ACC));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("alpha", alphas[i]);
            r.putAll(OmnigrokSupport.describe(c));
            rows.add(r);
            ctx.log().printf("alpha %.3f: final train %.3f, test %.3f (best %.3f); loss train %.4g, test %.4g%n",
                    alphas[i], trA[i], teA[i], best[i], trL[i], teL[i]);
        }
        String title = "1,000 images, MSE, MLP 200×200, ‖w‖ fixed at α·‖w_init‖, wd 0, " + steps + " steps";
        XyPlot.write(ctx.dir().resolve("alpha-accuracy.png"), List.of(
                new XyPlot.Series("train", alphas, trA, true), new XyPlot.Series("test", alphas, teA, false),
                new XyPlot.Series("test (best)", alphas, best, false)), title, "α", "final accuracy", true, false);
        XyPlot.write(ctx.dir().resolve("alpha-loss.png"), List.of(
                new XyPlot.Series("train", alphas, trL, true), new XyPlot.Series("test", alphas, teL, false)),
                title, "α", "final MSE", true, true);
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("steps", steps);
        s.put("weight_decay", 0.0);
        s.put("constrain_norm", true);
        s.put("runs", rows);
        return s;
    }
}
