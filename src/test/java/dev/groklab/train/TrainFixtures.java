package dev.groklab.train;

import java.util.List;

/** Small configurations for training tests. */
final class TrainFixtures {
    private TrainFixtures() {}

    /** An MLP on x+y mod p; models = seeds × lrs × wds. */
    static TrainConfig mlp(int p, double frac, int steps, int evalEvery, int checkpointEvery, int batch,
                           List<Long> seeds, List<Float> lrs, List<Float> wds) {
        TrainConfig base = new TrainConfig("add", p, frac, 3, false, "mlp", 1, 32, 4, 128, "relu", false, true, 0.0, 16,
                new int[]{48}, "adamw", null, null, null, 0.9f, 0.98f, 1e-8f, 0f, false, false, false, "constant", 5, 1, 0,
                steps, batch, evalEvery, checkpointEvery, "cpu");
        return TrainConfig.grid(base, seeds, lrs, wds);
    }

    static TrainConfig transformer(int p, int steps, List<Long> seeds) {
        TrainConfig base = new TrainConfig("add", p, 0.5, 3, false, "transformer", 1, 16, 2, 32, "relu", true, true, 0.1, 0,
                new int[]{16}, "adamw", null, null, null, 0.9f, 0.98f, 1e-8f, 0f, false, false, false, "constant", 5, 1, 0,
                steps, 0, 5, 7, "cpu");
        return TrainConfig.grid(base, seeds, List.of(3e-3f), List.of(1f));
    }
}
