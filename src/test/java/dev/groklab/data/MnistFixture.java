package dev.groklab.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes a small learnable MNIST-format directory: class c lights a class-specific set of pixels
 * on a noisy background, so a model can fit it in a few steps.
 */
public final class MnistFixture {
    private MnistFixture() {}

    public static Path write(Path dir, int train, int test, int side, long seed) throws IOException {
        Files.createDirectories(dir);
        Random r = new Random(seed);
        images(dir, "train", train, side, r);
        images(dir, "t10k", test, side, r);
        return dir;
    }

    private static void images(Path dir, String prefix, int n, int side, Random r) throws IOException {
        int px = side * side;
        byte[] img = new byte[n * px], lab = new byte[n];
        for (int i = 0; i < n; i++) {
            int c = i % 10;
            lab[i] = (byte) c;
            for (int p = 0; p < px; p++) {
                boolean on = (p * 7 + c * 13) % 10 < 3;
                img[i * px + p] = (byte) Math.min(255, (on ? 160 : 0) + r.nextInt(60));
            }
        }
        Files.write(dir.resolve(prefix + "-images-idx3-ubyte"), idx(Idx.UBYTE, new int[]{n, side, side}, img));
        Files.write(dir.resolve(prefix + "-labels-idx1-ubyte"), idx(Idx.UBYTE, new int[]{n}, lab));
    }

    /** An IDX file: magic (type, rank), the dims, then the data. */
    static byte[] idx(int type, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bo);
        d.write(new byte[]{0, 0, (byte) type, (byte) dims.length});
        for (int v : dims) d.writeInt(v);
        d.write(data);
        return bo.toByteArray();
    }
}
