package dev.groklab.backend.opencl;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.data.AlgorithmicDataset;
import dev.groklab.data.Task;
import dev.groklab.tensor.Scope;
import dev.groklab.train.EvalRecord;
import dev.groklab.train.Progress;
import dev.groklab.train.RunOutputs;
import dev.groklab.train.TrainConfig;
import dev.groklab.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small grokking runs trained on OpenCL follow the CPU's curves. */
class OpenClTrainingTest {
    private static final double LOSS_RTOL = 1e-3;

    private static TrainConfig mlp(int p, double frac, int steps, int evalEvery, int batch, String optimizer, float momentum,
                                   List<Long> seeds, List<Float> lrs, List<Float> wds) {
        TrainConfig base = new TrainConfig("add", p, frac, 3, false, "mlp", 1, 32, 4, 128, "relu", false, true, 0.0, 16,
                new int[]{48}, optimizer, null, null, null, 0.9f, 0.98f, 1e-8f, momentum, false, false, false, "constant", 5, 1, 0,
                steps, batch, evalEvery, 0, "opencl");
        return TrainConfig.grid(base, seeds, lrs, wds);
    }

    private static TrainConfig transformer(int p, int steps, List<Long> seeds) {
        TrainConfig base = new TrainConfig("add", p, 0.5, 3, false, "transformer", 1, 16, 2, 32, "relu", true, true, 0.1, 0,
                new int[]{16}, "adamw", null, null, null, 0.9f, 0.98f, 1e-8f, 0f, false, false, false, "constant", 5, 1, 0,
                steps, 0, 5, 0, "opencl");
        return TrainConfig.grid(base, seeds, List.of(3e-3f), List.of(1f));
    }

    private static List<EvalRecord> curve(Backend be, TrainConfig cfg) {
        List<EvalRecord> rows = new ArrayList<>();
        var data = AlgorithmicDataset.build(Task.parse(cfg.task()), cfg.p(), cfg.trainFraction(), cfg.splitSeed(), cfg.opToken());
        try (Scope s = Scope.open()) {
            new Trainer(be, cfg, data).run(new RunOutputs() {
                @Override public void evaluation(EvalRecord r) { rows.add(r); }
                @Override public void checkpoint(int step, java.util.LinkedHashMap<String, dev.groklab.tensor.Tensor> st) {}
            }, Progress.NONE);
        }
        return rows;
    }

    private static void sameCurves(String what, TrainConfig cfg, int trainCount, int testCount) {
        OpenClBackend ocl = OpenClTesting.backend();
        List<EvalRecord> cpu = curve(Backends.cpu(), cfg), dev = curve(ocl, cfg);
        assertEquals(cpu.size(), dev.size(), what + ": evaluations");
        for (int i = 0; i < cpu.size(); i++) {
            EvalRecord c = cpu.get(i), d = dev.get(i);
            assertEquals(c.step(), d.step());
            for (int m = 0; m < c.models(); m++) {
                String at = what + " model " + m + " step " + c.step();
                close(at + " train loss", c.trainLoss()[m], d.trainLoss()[m]);
                close(at + " test loss", c.testLoss()[m], d.testLoss()[m]);
                close(at + " weight norm", c.weightNorm()[m], d.weightNorm()[m]);
                assertEquals(c.trainAcc()[m], d.trainAcc()[m], 1.0 / trainCount + 1e-12, at + " train accuracy");
                assertEquals(c.testAcc()[m], d.testAcc()[m], 1.0 / testCount + 1e-12, at + " test accuracy");
            }
        }
    }

    private static void close(String what, double expected, double actual) {
        assertTrue(Math.abs(actual - expected) <= LOSS_RTOL * Math.max(Math.abs(expected), 1e-6),
                what + ": opencl " + actual + " vs cpu " + expected);
    }

    private static int[] counts(TrainConfig cfg) {
        var data = AlgorithmicDataset.build(Task.parse(cfg.task()), cfg.p(), cfg.trainFraction(), cfg.splitSeed(), cfg.opToken());
        return new int[]{data.trainIdx().length, data.testIdx().length};
    }

    @Test void mlpEnsembleWithPerModelDecay() {
        TrainConfig cfg = mlp(29, 0.4, 30, 10, 0, "adamw", 0f, List.of(4L, 9L), List.of(3e-3f), List.of(0f, 1f));
        int[] n = counts(cfg);
        sameCurves("mlp adamw", cfg, n[0], n[1]);
    }

    @Test void mlpMinibatchSgdWithMomentum() {
        TrainConfig cfg = mlp(23, 0.5, 30, 10, 32, "sgd", 0.9f, List.of(1L), List.of(0.05f, 0.1f), List.of(1e-3f));
        int[] n = counts(cfg);
        sameCurves("mlp sgd", cfg, n[0], n[1]);
    }

    @Test void transformerWithDropoutAndLayerNorm() {
        TrainConfig cfg = transformer(23, 30, List.of(2L, 5L));
        int[] n = counts(cfg);
        sameCurves("transformer", cfg, n[0], n[1]);
    }
}
