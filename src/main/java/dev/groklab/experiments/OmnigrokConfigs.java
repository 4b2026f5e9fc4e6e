package dev.groklab.experiments;

import dev.groklab.data.MnistData;
import dev.groklab.train.Exploration;
import dev.groklab.train.Omnigrok;
import dev.groklab.train.TrainConfig;
import dev.groklab.train.TrainData;

import java.util.List;

/** The training configurations of the Omnigrok experiments (seed 003, targets item 4). */
final class OmnigrokConfigs {
    private OmnigrokConfigs() {}

    /**
     * Omnigrok's MNIST setup: a seeded subset of {@code trainCount} images, depth-3 width-200 ReLU
     * MLP with biases (PyTorch's nn.Linear init) × α, MSE on one-hot targets, AdamW lr 1e-3 with
     * PyTorch's default betas (0.9, 0.999), minibatch 200, constant rate, no warmup.
     */
    static TrainConfig mnist(double alpha, float wd, boolean constrain, int trainCount, int steps, int evalEvery, long seed,
                             String backend) {
        TrainConfig base = new TrainConfig(TrainData.IMAGES, 97, 0.3, seed, false, "mlp", 1, 128, 4, 512, "relu", false, true,
                0.0, 0, new int[]{200, 200}, "adamw", null, null, null, 0.9f, 0.999f, 1e-8f, 0f, false, false, false,
                "constant", 0, 1, 0, steps, Math.min(200, trainCount), evalEvery, 0, backend, alpha, Exploration.NONE,
                new Omnigrok(constrain, "mse", MnistData.DEFAULT_DIR.toString(), trainCount));
        return TrainConfig.grid(base, List.of(seed), List.of(1e-3f), List.of(wd));
    }

    /** Nanda et al.'s mainline (x+y mod 113, 30%, 1-layer transformer d 128, full-batch AdamW (0.9, 0.98)). */
    static TrainConfig nanda(double alpha, float wd, boolean constrain, int steps, int evalEvery, long seed, String backend) {
        TrainConfig base = new TrainConfig("add", 113, 0.3, seed, false, "transformer", 1, 128, 4, 512, "relu", false, false,
                0.0, 12, new int[]{48}, "adamw", null, null, null, 0.9f, 0.98f, 1e-8f, 0f, false, false, false,
                "constant", 10, 1, 0, steps, 0, evalEvery, 0, backend, alpha, Exploration.NONE, Omnigrok.DEFAULT.withConstrainNorm(constrain));
        return TrainConfig.grid(base, List.of(seed), List.of(1e-3f), List.of(wd));
    }

    /** The `grok` preset's MLP on x+y mod 59 (40% data, embeddings 32, hidden 256, AdamW lr 5e-3): seconds per hundred steps. */
    static TrainConfig smallModAdd(double alpha, float wd, boolean constrain, int steps, int evalEvery, long seed, String backend) {
        TrainConfig base = new TrainConfig("add", 59, 0.4, seed, false, "mlp", 1, 128, 4, 512, "relu", false, false,
                0.0, 32, new int[]{256}, "adamw", null, null, null, 0.9f, 0.98f, 1e-8f, 0f, false, false, false,
                "constant", 10, 1, 0, steps, 0, evalEvery, 0, backend, alpha, Exploration.NONE, Omnigrok.DEFAULT.withConstrainNorm(constrain));
        return TrainConfig.grid(base, List.of(seed), List.of(5e-3f), List.of(wd));
    }
}
