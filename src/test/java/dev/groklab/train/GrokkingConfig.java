package dev.groklab.train;

import java.util.List;

/**
 * The grokking test's configuration: an MLP with learned embeddings on x+y mod 47, half the
 * table for training, full-batch AdamW. With weight decay 3 it memorizes by about step 400 and
 * passes 95% test accuracy near step 800; without decay test accuracy stays near chance.
 */
final class GrokkingConfig {
    static final int STEPS = 1500;
    static final float WD = 3f;

    private GrokkingConfig() {}

    static TrainConfig config(List<Float> weightDecays) {
        TrainConfig base = new TrainConfig("add", 47, 0.5, 0, false, "mlp", 1, 128, 4, 512, "relu", false, false, 0.0, 24,
                new int[]{128}, "adamw", null, null, null, 0.9f, 0.98f, 1e-8f, 0f, false, false, false, "constant", 10, 1, 0,
                STEPS, 0, 100, 0, "cpu");
        return TrainConfig.grid(base, List.of(0L), List.of(5e-3f), weightDecays);
    }
}
