package dev.groklab.train;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.data.MnistData;
import dev.groklab.data.MnistFixture;
import dev.groklab.tensor.Scope;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dense-input MLP trained with MSE on one-hot targets (Omnigrok's MNIST setup), in minibatches. */
class ImageTrainingTest {
    private final Backend be = Backends.cpu();

    static TrainConfig mnist(Path dir, int trainCount, int steps, int batch, String loss, double alpha, List<Float> wds) {
        TrainConfig base = new TrainConfig(TrainData.IMAGES, 97, 0.3, 0, false, "mlp", 1, 128, 4, 512, "relu", false, true,
                0.0, 0, new int[]{64}, "adamw", null, null, null, 0.9f, 0.999f, 1e-8f, 0f, false, false, false, "constant", 0, 1, 0,
                steps, batch, steps, 0, "cpu", alpha, Exploration.NONE, new Omnigrok(false, loss, dir.toString(), trainCount));
        return TrainConfig.grid(base, List.of(0L), List.of(1e-3f), wds);
    }

    private static EvalRecord train(TrainConfig cfg) {
        try (Scope s = Scope.open()) {
            Trainer t = new Trainer(Backends.cpu(), cfg, TrainData.load(cfg));
            assertEquals(cfg.omnigrok().trainCount(), t.trainSplit().count());
            return t.run(RunOutputs.NONE, Progress.NONE);
        }
    }

    @Test void mseOnFashionMnistSubsetLearnsWellAboveChance() {
        Assumptions.assumeTrue(Files.isDirectory(MnistData.DEFAULT_DIR), "Fashion-MNIST is not installed");
        EvalRecord r = train(mnist(MnistData.DEFAULT_DIR, 200, 100, 50, "mse", 1.0, List.of(0.01f)));
        // chance is 10%; 100 minibatch steps on 200 images fit most of them
        assertTrue(r.trainAcc()[0] > 0.7, "train accuracy " + r.trainAcc()[0]);
        assertTrue(r.testAcc()[0] > 0.4, "test accuracy " + r.testAcc()[0]);
        assertTrue(r.trainLoss()[0] < 0.06, "train mse " + r.trainLoss()[0]);
    }

    @Test void bothLossesFitSyntheticImagesAsAnEnsemble(@TempDir Path tmp) throws Exception {
        Path dir = MnistFixture.write(tmp.resolve("img"), 120, 40, 8, 5);
        for (String loss : List.of("mse", "ce")) {
            EvalRecord r = train(mnist(dir, 100, 60, 20, loss, 1.0, List.of(0f, 0.1f)));
            for (int m = 0; m < 2; m++) {
                assertTrue(r.trainAcc()[m] > 0.9, loss + " model " + m + " train accuracy " + r.trainAcc()[m]);
                assertTrue(r.testAcc()[m] > 0.75, loss + " model " + m + " test accuracy " + r.testAcc()[m]);
            }
        }
    }

    @Test void missingDataDirectoryNamesTheOptionAndThePackage(@TempDir Path tmp) {
        var e = assertThrows(IllegalArgumentException.class,
                () -> TrainData.load(mnist(tmp.resolve("nope"), 100, 1, 0, "mse", 1, List.of(0f))));
        assertTrue(e.getMessage().startsWith("--data-dir"), e.getMessage());
        assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}
