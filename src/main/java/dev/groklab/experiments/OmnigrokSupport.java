package dev.groklab.experiments;

import dev.groklab.io.CurvePlot;
import dev.groklab.tensor.Device;
import dev.groklab.train.ModelCurves;

import java.util.LinkedHashMap;
import java.util.Map;

/** Small helpers the Omnigrok experiments share: summaries and plot series of one model's curves. */
final class OmnigrokSupport {
    private OmnigrokSupport() {}

    /** The backend option a sub-run records (so `train --resume` can continue it). */
    static String backendName(ExperimentContext ctx) {
        return ctx.backend().device().kind() == Device.Kind.CPU ? "cpu" : "auto";
    }

    static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) m = Math.max(m, x);
        return m;
    }

    /** The value of column c at the evaluation of {@code step}. */
    static double at(ModelCurves curves, int c, int step) {
        double[] s = curves.column(ModelCurves.STEP), v = curves.column(c);
        for (int i = 0; i < s.length; i++) if ((int) s[i] == step) return v[i];
        return Double.NaN;
    }

    static Map<String, Object> describe(ModelCurves c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("memorized_step", c.memorizedStep());
        m.put("final_train_acc", c.last(ModelCurves.TRAIN_ACC));
        m.put("final_test_acc", c.last(ModelCurves.TEST_ACC));
        m.put("best_test_acc", max(c.column(ModelCurves.TEST_ACC)));
        m.put("final_train_loss", c.last(ModelCurves.TRAIN_LOSS));
        m.put("final_test_loss", c.last(ModelCurves.TEST_LOSS));
        m.put("initial_weight_norm", c.column(ModelCurves.WEIGHT_NORM)[0]);
        m.put("final_weight_norm", c.last(ModelCurves.WEIGHT_NORM));
        return m;
    }

    static CurvePlot.Series series(String label, ModelCurves c) {
        return new CurvePlot.Series(label, c.column(ModelCurves.STEP), c.column(ModelCurves.TRAIN_ACC),
                c.column(ModelCurves.TEST_ACC), c.column(ModelCurves.TRAIN_LOSS), c.column(ModelCurves.TEST_LOSS),
                c.column(ModelCurves.WEIGHT_NORM));
    }
}
