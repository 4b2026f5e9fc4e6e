package dev.groklab.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * MNIST-format image classification data (MNIST, Fashion-MNIST): images flattened to rows·cols
 * floats in [0, 1], labels 0..9. The train set is a seeded random subset of the training file
 * (Omnigrok's grokking on MNIST uses 1,000 images); the test set is the whole t10k file.
 *
 * @param trainImages trainCount × rows·cols, row-major
 * @param testImages  testCount × rows·cols, row-major
 */
public record MnistData(int rows, int cols, float[] trainImages, int[] trainLabels,
                        float[] testImages, int[] testLabels) {
    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final int CLASSES = 10;

    public MnistData {
        int px = rows * cols;
        if (trainImages.length != trainLabels.length * px || testImages.length != testLabels.length * px) {
            throw new IllegalArgumentException("MnistData: image and label counts differ");
        }
    }

    /**
     * Loads {@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}
     * and {@code t10k-labels-idx1-ubyte} (each optionally ".gz") from {@code dir}; keeps a random
     * subset of {@code trainCount} training images chosen by {@code seed} (in file order).
     */
    public static MnistData load(Path dir, int trainCount, long seed) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("MNIST directory " + dir + " does not exist (for Fashion-MNIST install the Debian"
                    + " package dataset-fashion-mnist, which provides " + DEFAULT_DIR + ")");
        }
        Idx trX = Idx.read(locate(dir, "train-images-idx3-ubyte"));
        Idx trY = Idx.read(locate(dir, "train-labels-idx1-ubyte"));
        Idx teX = Idx.read(locate(dir, "t10k-images-idx3-ubyte"));
        Idx teY = Idx.read(locate(dir, "t10k-labels-idx1-ubyte"));
        checkPair(trX, trY, "train", dir);
        checkPair(teX, teY, "t10k", dir);
        if (teX.dim(1) != trX.dim(1) || teX.dim(2) != trX.dim(2)) {
            throw new IOException(dir + ": train images are " + trX.dim(1) + "×" + trX.dim(2) + " but test images are "
                    + teX.dim(1) + "×" + teX.dim(2));
        }
        int available = trX.dim(0);
        if (trainCount < 1 || trainCount > available) {
            throw new IllegalArgumentException("train count " + trainCount + " is outside [1, " + available
                    + "] (the training images in " + dir + ")");
        }
        int h = trX.dim(1), w = trX.dim(2), px = h * w;
        int[] pick = Arrays.copyOf(Shuffle.permutation(available, seed), trainCount);
        Arrays.sort(pick);
        float[] allX = trX.toFloatArray(1f / 255f);
        int[] allY = trY.toIntArray();
        float[] xs = new float[trainCount * px];
        int[] ys = new int[trainCount];
        for (int i = 0; i < trainCount; i++) {
            System.arraycopy(allX, pick[i] * px, xs, i * px, px);
            ys[i] = allY[pick[i]];
        }
        return new MnistData(h, w, xs, ys, teX.toFloatArray(1f / 255f), teY.toIntArray());
    }

    /** Loads from {@link #DEFAULT_DIR}. */
    public static MnistData load(int trainCount, long seed) throws IOException {
        return load(DEFAULT_DIR, trainCount, seed);
    }

    /** {@code dir/base.gz} if present, else {@code dir/base}. */
    public static Path locate(Path dir, String base) throws IOException {
        Path gz = dir.resolve(base + ".gz"), plain = dir.resolve(base);
        if (Files.isRegularFile(gz)) return gz;
        if (Files.isRegularFile(plain)) return plain;
        throw new IOException("MNIST file " + base + "[.gz] not found in " + dir);
    }

    private static void checkPair(Idx images, Idx labels, String which, Path dir) throws IOException {
        if (images.type() != Idx.UBYTE || images.rank() != 3) {
            throw new IOException(dir + ": " + which + " images must be unsigned bytes of rank 3, got " + images);
        }
        if (labels.type() != Idx.UBYTE || labels.rank() != 1) {
            throw new IOException(dir + ": " + which + " labels must be unsigned bytes of rank 1, got " + labels);
        }
        if (images.dim(0) != labels.dim(0)) {
            throw new IOException(dir + ": " + images.dim(0) + " " + which + " images but " + labels.dim(0) + " labels");
        }
        for (int y : labels.toIntArray()) {
            if (y >= CLASSES) throw new IOException(dir + ": " + which + " label " + y + " is outside 0.." + (CLASSES - 1));
        }
    }

    public int pixels() { return rows * cols; }

    public int trainCount() { return trainLabels.length; }

    public int testCount() { return testLabels.length; }

    public int classes() { return CLASSES; }

    @Override public String toString() {
        return "MnistData[" + rows + "×" + cols + ", " + trainCount() + " train, " + testCount() + " test]";
    }
}
