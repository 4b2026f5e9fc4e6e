package dev.groklab.train;

import dev.groklab.data.AlgorithmicDataset;
import dev.groklab.data.MnistData;
import dev.groklab.data.Task;

import java.io.IOException;
import java.nio.file.Path;

/** The data a training run reads: an algorithmic table (token sequences) or MNIST-format images. */
public sealed interface TrainData {
    /** The {@code --task} name of image classification from {@code --data-dir}. */
    String IMAGES = "mnist";

    int trainCount();

    int testCount();

    record Tokens(AlgorithmicDataset data) implements TrainData {
        @Override public int trainCount() { return data.trainCount(); }
        @Override public int testCount() { return data.testCount(); }
    }

    record Images(MnistData data) implements TrainData {
        @Override public int trainCount() { return data.trainCount(); }
        @Override public int testCount() { return data.testCount(); }
    }

    static boolean isImageTask(String task) { return IMAGES.equals(task); }

    /** Builds or loads what {@code cfg} names; problems are one-line IllegalArgumentExceptions naming the option. */
    static TrainData load(TrainConfig cfg) {
        if (!isImageTask(cfg.task())) {
            return new Tokens(AlgorithmicDataset.build(Task.parse(cfg.task()), cfg.p(), cfg.trainFraction(),
                    cfg.splitSeed(), cfg.opToken()));
        }
        Omnigrok o = cfg.omnigrok();
        try {
            return new Images(MnistData.load(Path.of(o.dataDir()), o.trainCount(), cfg.splitSeed()));
        } catch (IOException e) {
            throw new IllegalArgumentException("--data-dir: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--train-count: " + e.getMessage());
        }
    }
}
