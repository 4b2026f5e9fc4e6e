package dev.groklab.train;

import dev.groklab.backend.Backends;
import dev.groklab.data.AlgorithmicDataset;
import dev.groklab.data.Task;
import dev.groklab.tensor.Scope;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Grokking as a phenomenon: with weight decay the model memorizes first (test accuracy still
 * low when training accuracy reaches 99%) and generalizes much later; the same model without
 * weight decay does not generalize within the same budget. Both models train together.
 */
class GrokkingTest {
    static final int P = 47, STEPS = GrokkingConfig.STEPS;

    @Test void weightDecayGroksAndNoDecayDoesNot() {
        TrainConfig cfg = GrokkingConfig.config(List.of(0f, GrokkingConfig.WD));
        var data = AlgorithmicDataset.build(Task.ADD, cfg.p(), cfg.trainFraction(), cfg.splitSeed(), cfg.opToken());
        ModelCurves[] curves = {new ModelCurves(), new ModelCurves()};
        try (Scope s = Scope.open()) {
            new Trainer(Backends.cpu(), cfg, data).run(new RunOutputs() {
                @Override public void evaluation(EvalRecord r) {
                    for (int m = 0; m < 2; m++) {
                        curves[m].add(r.step(), r.trainAcc()[m], r.testAcc()[m], r.trainLoss()[m], r.testLoss()[m], r.weightNorm()[m]);
                    }
                }
                @Override public void checkpoint(int step, LinkedHashMap<String, dev.groklab.tensor.Tensor> st) {}
            }, Progress.NONE);
        }
        ModelCurves noDecay = curves[0], decay = curves[1];
        String trace = describe(decay) + "\nwithout decay: " + describe(noDecay);

        Integer memorized = decay.memorizedStep();
        assertNotNull(memorized, "never memorized: " + trace);
        double testAtMemorization = testAccAt(decay, memorized);
        assertTrue(testAtMemorization < 0.5, "test accuracy " + testAtMemorization + " already high at memorization: " + trace);
        assertTrue(max(decay, ModelCurves.TEST_ACC) >= 0.95, "weight decay did not generalize: " + trace);
        assertTrue(max(noDecay, ModelCurves.TRAIN_ACC) >= 0.99, "without decay the model should still memorize: " + trace);
        assertTrue(max(noDecay, ModelCurves.TEST_ACC) < 0.95, "without decay it generalized too: " + trace);
    }

    private static double testAccAt(ModelCurves c, int step) {
        double[] steps = c.column(ModelCurves.STEP), acc = c.column(ModelCurves.TEST_ACC);
        for (int i = 0; i < steps.length; i++) if (steps[i] == step) return acc[i];
        throw new AssertionError("no evaluation at step " + step);
    }

    private static double max(ModelCurves c, int column) {
        double m = 0;
        for (double v : c.column(column)) m = Math.max(m, v);
        return m;
    }

    private static String describe(ModelCurves c) {
        StringBuilder b = new StringBuilder();
        double[] s = c.column(ModelCurves.STEP), tr = c.column(ModelCurves.TRAIN_ACC), te = c.column(ModelCurves.TEST_ACC);
        for (int i = 0; i < s.length; i += 4) b.append(String.format(" %d:%.2f/%.2f", (int) s[i], tr[i], te[i]));
        return b.toString();
    }
}
