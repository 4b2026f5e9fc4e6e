package dev.groklab.data;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class MnistDataTest {
    @TempDir Path tmp;

    static void write(Path f, byte[] bytes) throws IOException {
        if (f.toString().endsWith(".gz")) {
            try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(f))) { o.write(bytes); }
        } else {
            Files.write(f, bytes);
        }
    }

    @Test void readsPlainAndGzippedIdx() throws IOException {
        byte[] px = {0, 1, (byte) 255, (byte) 128, 7, 9};
        byte[] file = MnistFixture.idx(Idx.UBYTE, new int[]{2, 3}, px);
        write(tmp.resolve("a-idx2-ubyte"), file);
        write(tmp.resolve("a-idx2-ubyte.gz"), file);
        for (String name : new String[]{"a-idx2-ubyte", "a-idx2-ubyte.gz"}) {
            Idx x = Idx.read(tmp.resolve(name));
            assertEquals(Idx.UBYTE, x.type());
            assertArrayEquals(new int[]{2, 3}, x.dims());
            assertEquals(6, x.count());
            assertArrayEquals(new int[]{0, 1, 255, 128, 7, 9}, x.toIntArray());
            assertEquals(1f, x.toFloatArray(1f / 255f)[2]);
        }
        // big-endian ints and floats
        byte[] ints = {0, 0, 1, 2, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFE};
        assertArrayEquals(new int[]{258, -2}, Idx.read(tmpFile("i", MnistFixture.idx(Idx.INT, new int[]{2}, ints))).toIntArray());
        byte[] f = {0x3F, (byte) 0x80, 0, 0};
        assertEquals(1f, Idx.read(tmpFile("f", MnistFixture.idx(Idx.FLOAT, new int[]{1}, f))).toFloatArray(1f)[0]);
    }

    private Path tmpFile(String name, byte[] bytes) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test void rejectsMalformedFiles() throws IOException {
        byte[] good = MnistFixture.idx(Idx.UBYTE, new int[]{4}, new byte[]{1, 2, 3, 4});
        byte[] badMagic = good.clone();
        badMagic[0] = 1;
        assertTrue(assertThrows(IOException.class, () -> Idx.read(tmpFile("m", badMagic))).getMessage().contains("magic"));
        byte[] badType = good.clone();
        badType[2] = 0x42;
        assertTrue(assertThrows(IOException.class, () -> Idx.read(tmpFile("t", badType))).getMessage().contains("type"));
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
        assertTrue(assertThrows(IOException.class, () -> Idx.read(tmpFile("s", truncated))).getMessage().contains("truncated"));
        byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
        assertTrue(assertThrows(IOException.class, () -> Idx.read(tmpFile("x", trailing))).getMessage().contains("trailing"));
        assertThrows(IOException.class, () -> Idx.read(tmp.resolve("missing")));
    }

    @Test void loadsSyntheticDirectoryWithSeededSubset() throws IOException {
        int n = 50, h = 2, w = 3;
        byte[] img = new byte[n * h * w], lab = new byte[n];
        for (int i = 0; i < n; i++) {
            lab[i] = (byte) (i % 10);
            for (int j = 0; j < h * w; j++) img[i * h * w + j] = (byte) i;
        }
        write(tmp.resolve("train-images-idx3-ubyte.gz"), MnistFixture.idx(Idx.UBYTE, new int[]{n, h, w}, img));
        write(tmp.resolve("train-labels-idx1-ubyte"), MnistFixture.idx(Idx.UBYTE, new int[]{n}, lab));
        write(tmp.resolve("t10k-images-idx3-ubyte"), MnistFixture.idx(Idx.UBYTE, new int[]{10, h, w}, java.util.Arrays.copyOf(img, 10 * h * w)));
        write(tmp.resolve("t10k-labels-idx1-ubyte.gz"), MnistFixture.idx(Idx.UBYTE, new int[]{10}, java.util.Arrays.copyOf(lab, 10)));
        MnistData a = MnistData.load(tmp, 20, 5), b = MnistData.load(tmp, 20, 5), c = MnistData.load(tmp, 20, 6);
        assertEquals(20, a.trainCount());
        assertEquals(10, a.testCount());
        assertEquals(6, a.pixels());
        assertArrayEquals(a.trainLabels(), b.trainLabels());
        assertArrayEquals(a.trainImages(), b.trainImages());
        assertFalse(java.util.Arrays.equals(a.trainImages(), c.trainImages()));
        int prev = -1;
        for (int i = 0; i < 20; i++) {
            int src = Math.round(a.trainImages()[i * 6] * 255);
            assertTrue(src > prev, "subset keeps file order");
            prev = src;
            assertEquals(src % 10, a.trainLabels()[i]);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MnistData.load(tmp, 51, 0));
        assertTrue(e.getMessage().contains("51") && e.getMessage().contains("[1, 50]"), e.getMessage());
        assertThrows(IOException.class, () -> MnistData.load(tmp.resolve("nope"), 10, 0));
    }

    @Test void readsShippedFashionMnist() throws IOException {
        Path dir = MnistData.DEFAULT_DIR;
        if (!Files.isDirectory(dir)) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(dir + " is missing; install dataset-fashion-mnist");
            Assumptions.abort(dir + " is missing (install the Debian package dataset-fashion-mnist)");
        }
        Idx images = Idx.read(MnistData.locate(dir, "train-images-idx3-ubyte"));
        assertArrayEquals(new int[]{60_000, 28, 28}, images.dims());
        MnistData all = MnistData.load(dir, 60_000, 0);
        assertEquals(60_000, all.trainCount());
        assertEquals(10_000, all.testCount());
        assertEquals(784, all.pixels());
        assertEquals(60_000 * 784, all.trainImages().length);
        int[] train = new int[10], test = new int[10];
        for (int y : all.trainLabels()) train[y]++;
        for (int y : all.testLabels()) test[y]++;
        for (int k = 0; k < 10; k++) {
            assertEquals(6_000, train[k], "train label " + k);
            assertEquals(1_000, test[k], "test label " + k);
        }
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (float v : all.trainImages()) { min = Math.min(min, v); max = Math.max(max, v); }
        assertEquals(0f, min);
        assertEquals(1f, max);
        MnistData sub = MnistData.load(dir, 1_000, 7);
        assertEquals(1_000, sub.trainCount());
        assertArrayEquals(sub.trainLabels(), MnistData.load(dir, 1_000, 7).trainLabels());
    }
}
