package dev.groklab.train;

import dev.groklab.data.MnistData;

/**
 * The options Omnigrok's experiments add to a training run (Liu et al., "Omnigrok: grokking beyond
 * algorithmic data"): the weight-norm constraint, the loss, and the image data set.
 *
 * @param constrainNorm after every optimizer step, rescale each model's weights to the total L2
 *                      norm they had right after initialization (after the init scale α)
 * @param loss          "ce" (cross-entropy) or "mse" (mean squared error against one-hot targets)
 * @param dataDir       the MNIST-format IDX files for {@code --task mnist}
 * @param trainCount    training images for {@code --task mnist} (a seeded subset of the train file)
 */
public record Omnigrok(boolean constrainNorm, String loss, String dataDir, int trainCount) {
    /** Unconstrained cross-entropy; Fashion-MNIST from its Debian location, 1,000 training images. */
    public static final Omnigrok DEFAULT = new Omnigrok(false, "ce", MnistData.DEFAULT_DIR.toString(), 1000);

    public Omnigrok {
        // configs written before these options existed read back with nulls and zeros
        if (loss == null) loss = DEFAULT.loss;
        if (dataDir == null) dataDir = DEFAULT.dataDir;
        if (trainCount == 0) trainCount = DEFAULT.trainCount;
    }

    public Omnigrok withConstrainNorm(boolean on) { return new Omnigrok(on, loss, dataDir, trainCount); }

    public Omnigrok withLoss(String l) { return new Omnigrok(constrainNorm, l, dataDir, trainCount); }
}
