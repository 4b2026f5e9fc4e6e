package dev.groklab.train;

import dev.groklab.backend.Backends;
import dev.groklab.data.AlgorithmicDataset;
import dev.groklab.data.Task;
import dev.groklab.tensor.Scope;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A grid trained as one batched ensemble gives every model the curve it has when trained alone. */
class EnsembleTrainingTest {
    private static List<double[]> curve(TrainConfig cfg) {
        List<double[]> rows = new ArrayList<>();
        var data = AlgorithmicDataset.build(Task.parse(cfg.task()), cfg.p(), cfg.trainFraction(), cfg.splitSeed(), cfg.opToken());
        try (Scope s = Scope.open()) {
            new Trainer(Backends.cpu(), cfg, data).run(new RunOutputs() {
                @Override public void evaluation(EvalRecord r) {
                    for (int m = 0; m < r.models(); m++) {
                        rows.add(new double[]{r.step(), m, r.trainLoss()[m], r.trainAcc()[m], r.testLoss()[m], r.testAcc()[m], r.weightNorm()[m]});
                    }
                }
                @Override public void checkpoint(int step, java.util.LinkedHashMap<String, dev.groklab.tensor.Tensor> st) {}
            }, Progress.NONE);
        }
        return rows;
    }

    @Test void gridEqualsSoloRuns() {
        List<Long> seeds = List.of(4L, 9L);
        List<Float> wds = List.of(0f, 1f);
        List<double[]> together = curve(TrainFixtures.mlp(29, 0.4, 30, 10, 0, 0, seeds, List.of(3e-3f), wds));
        int models = seeds.size() * wds.size();
        for (int m = 0; m < models; m++) {
            long seed = seeds.get(m % seeds.size());
            float wd = wds.get(m / seeds.size());
            List<double[]> alone = curve(TrainFixtures.mlp(29, 0.4, 30, 10, 0, 0, List.of(seed), List.of(3e-3f), List.of(wd)));
            int k = 0;
            for (double[] row : together) {
                if ((int) row[1] != m) continue;
                double[] solo = alone.get(k++);
                assertEquals(solo[0], row[0]);
                for (int c = 2; c < row.length; c++) {
                    assertEquals(solo[c], row[c], 1e-5 * Math.max(1, Math.abs(solo[c])), "model " + m + " column " + c + " at step " + row[0]);
                }
            }
            assertEquals(alone.size(), k);
        }
    }
}
