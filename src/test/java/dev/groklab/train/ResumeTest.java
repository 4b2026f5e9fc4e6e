package dev.groklab.train;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.data.AlgorithmicDataset;
import dev.groklab.data.Task;
import dev.groklab.io.RunDirectory;
import dev.groklab.io.Safetensors;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run killed at a random step and resumed from its checkpoint ends bit-identical to an uninterrupted one. */
class ResumeTest {
    private final Backend be = Backends.cpu();

    private static final class Killed extends RuntimeException {}

    private static AlgorithmicDataset data(TrainConfig c) {
        return AlgorithmicDataset.build(Task.parse(c.task()), c.p(), c.trainFraction(), c.splitSeed(), c.opToken());
    }

    private Map<String, float[]> finalState(Trainer t) {
        Map<String, float[]> out = new LinkedHashMap<>();
        t.state().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    @Test void killAndResumeIsBitExact(@TempDir Path tmp) throws Exception {
        int steps = 45;
        for (TrainConfig cfg : List.of(
                TrainFixtures.mlp(23, 0.5, steps, 5, 7, 64, List.of(1L, 2L), List.of(3e-3f), List.of(1f)),
                TrainFixtures.transformer(13, steps, List.of(5L)),
                // the norm targets are recomputed from the fresh init, so a resumed sphere run matches too
                TrainFixtures.mlp(23, 0.5, steps, 5, 7, 64, List.of(1L, 2L), List.of(3e-3f), List.of(0f))
                        .withOmnigrok(Omnigrok.DEFAULT.withConstrainNorm(true).withLoss("mse")))) {
            killAndResume(cfg, steps, tmp);
        }
    }

    /** The low-loss-set methods keep resume bit-exact: noise, antireg and norm pull with Adam, and HMC. */
    @Test void explorationMethodsResumeBitExact(@TempDir Path tmp) throws Exception {
        int steps = 30;
        TrainConfig base = TrainFixtures.mlp(23, 0.5, steps, 5, 7, 64, List.of(1L, 2L), List.of(3e-3f), List.of(0f));
        killAndResume(base.withExplore(new Exploration(null, 1e-3, 1e-2, 1e-3, 20, 1e-2, 10, 0, 0)), steps, tmp);
        TrainConfig hmc = TrainFixtures.mlp(23, 0.5, 20, 5, 7, 0, List.of(1L, 2L), List.of(1e-4f), List.of(0f, 1f));
        killAndResume(new TrainConfig(hmc.task(), hmc.p(), hmc.trainFraction(), hmc.splitSeed(), hmc.opToken(), hmc.model(),
                hmc.layers(), hmc.dModel(), hmc.heads(), hmc.dMlp(), hmc.act(), hmc.layerNorm(), hmc.biases(), hmc.dropout(),
                hmc.embed(), hmc.hidden(), "hmc", hmc.lr(), hmc.weightDecay(), hmc.seeds(), hmc.beta1(), hmc.beta2(), hmc.eps(),
                hmc.momentum(), hmc.nesterov(), hmc.coupledDecay(), hmc.decayToInit(), hmc.schedule(), hmc.warmup(),
                hmc.lrJumpFactor(), hmc.lrJumpStep(), hmc.steps(), hmc.batch(), hmc.evalEvery(), hmc.checkpointEvery(),
                hmc.backend(), 1.0).withExplore(new Exploration(null, 1e-4, 0, 0, 0, 0, 3, 0, 0)), 20, tmp);
    }

    private void killAndResume(TrainConfig cfg, int steps, Path tmp) throws Exception {
        {
            Map<String, float[]> uninterrupted;
            try (Scope s = Scope.open()) {
                Trainer t = new Trainer(be, cfg, data(cfg));
                t.run(RunOutputs.NONE, Progress.NONE);
                uninterrupted = finalState(t);
            }
            int killAt = 8 + new Random().nextInt(steps - 10);
            RunDirectory dir = RunDirectory.open(tmp.resolve(cfg.model() + cfg.optimizer() + killAt + cfg.omnigrok().loss() + "-" + System.nanoTime()), false);
            try (Scope s = Scope.open()) {
                Trainer t = new Trainer(be, cfg, data(cfg));
                RunRecorder rec = new RunRecorder(dir, cfg, be, t.model().layerPrefixes());
                assertThrows(Killed.class, () -> t.run(rec, (step, total, r, sps) -> { if (step == killAt) throw new Killed(); }));
                rec.close();
            }
            RunDirectory again = RunDirectory.open(dir.dir(), true);
            Path ckpt = again.latestCheckpoint().orElseThrow();
            int at = (int) RunDirectory.checkpointStep(ckpt);
            assertTrue(at > 0 && at <= killAt, "checkpoint step " + at + " for a kill at " + killAt);
            try (Scope s = Scope.open()) {
                Trainer t = new Trainer(be, cfg, data(cfg));
                Safetensors.Contents saved = Safetensors.read(ckpt);
                Map<String, Tensor> host = new LinkedHashMap<>();
                for (var e : t.state().entrySet()) {
                    Tensor h = be.empty(e.getValue().dtype(), e.getValue().shape());
                    saved.readInto(e.getKey(), h);
                    host.put(e.getKey(), h);
                }
                t.restore(at, host);
                t.run(RunOutputs.NONE, Progress.NONE);
                Map<String, float[]> resumed = finalState(t);
                for (String k : uninterrupted.keySet()) {
                    assertArrayEquals(uninterrupted.get(k), resumed.get(k), cfg.model() + " " + k + " after a kill at step " + killAt);
                }
            }
        }
    }
}
