package dev.groklab.testing;

import dev.groklab.backend.Backend;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Shapes;
import dev.groklab.tensor.Tensor;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/** Random inputs (never zeros) and relative-error comparisons for kernel tests. */
public final class Check {
    private Check() {}

    /**
     * A fresh random generator. A failing test's message names the seeds it drew (see
     * {@link SeedReport}), and {@code -Dgroklab.test.seed=a,b,...} replays them.
     */
    public static Random rng() {
        long seed = SeedReport.next();
        SeedReport.drawn(seed);
        return new Random(seed);
    }

    /** A size in [lo, hi] that is odd, so it is never a multiple of a vector length or a tile. */
    public static int odd(Random r, int lo, int hi) {
        int v = lo + r.nextInt(hi - lo + 1);
        return (v & 1) == 0 ? (v + 1 <= hi ? v + 1 : v - 1) : v;
    }

    /** Normal values with a random non-zero offset per call. */
    public static Tensor randn(Backend b, Random r, int... shape) {
        float[] d = new float[(int) Shapes.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) r.nextGaussian();
        return b.fromHost(d, shape);
    }

    /** Uniform values in [lo, hi): for ops with restricted domains (log, sqrt). */
    public static Tensor uniform(Backend b, Random r, double lo, double hi, int... shape) {
        float[] d = new float[(int) Shapes.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return b.fromHost(d, shape);
    }

    public static Tensor randnF64(Backend b, Random r, int... shape) {
        double[] d = new double[(int) Shapes.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = r.nextGaussian();
        return b.fromHost(d, shape);
    }

    public static Tensor randint(Backend b, Random r, int bound, int... shape) {
        int[] d = new int[(int) Shapes.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = r.nextInt(bound);
        return b.fromHost(d, shape);
    }

    /**
     * Asserts max|actual − expected| ≤ rtol · max(max|expected|, tiny): error relative to the
     * tensor's scale, robust to individual elements near zero.
     */
    public static void close(String what, Tensor expected, Tensor actual, double rtol) {
        close(what, expected, actual, rtol, 0);
    }

    /**
     * Asserts max|actual − expected| ≤ rtol · max(max|expected|, terms): for outputs that are sums of
     * terms of scale {@code terms} (a dot product of k unit normals: √k), which can cancel to far
     * below the terms' scale when there are few outputs; rounding error follows the terms, not the
     * result.
     */
    public static void close(String what, Tensor expected, Tensor actual, double rtol, double terms) {
        if (!expected.sameShape(actual)) {
            fail(what + ": shape " + Shapes.str(actual.shape()) + ", expected " + Shapes.str(expected.shape()));
        }
        double scale = Math.max(1e-30, terms), worst = 0;
        int at = -1;
        for (int i = 0, n = expected.numel(); i < n; i++) {
            double e = expected.getDouble(i), a = actual.getDouble(i);
            if (Double.isNaN(a) != Double.isNaN(e)) fail(what + ": NaN mismatch at " + i + ": " + a + " vs " + e);
            scale = Math.max(scale, Math.abs(e));
            double err = Math.abs(a - e);
            if (err > worst) { worst = err; at = i; }
        }
        if (worst > rtol * scale) {
            fail(String.format("%s: relative error %.3g > %.1g at flat index %d (got %.8g, expected %.8g, scale %.3g, shape %s)",
                    what, worst / scale, rtol, at, actual.getDouble(at), expected.getDouble(at), scale, Shapes.str(expected.shape())));
        }
    }

    /** Elementwise: |a − e| ≤ rtol · (|e| + atol) for every element. */
    public static void closeEach(String what, Tensor expected, Tensor actual, double rtol, double atol) {
        if (!expected.sameShape(actual)) fail(what + ": shape " + Shapes.str(actual.shape()) + ", expected " + Shapes.str(expected.shape()));
        for (int i = 0, n = expected.numel(); i < n; i++) {
            double e = expected.getDouble(i), a = actual.getDouble(i);
            if (!(Math.abs(a - e) <= rtol * (Math.abs(e) + atol))) {
                fail(String.format("%s: at %d got %.8g expected %.8g (rtol %.1g, atol %.1g, shape %s)",
                        what, i, a, e, rtol, atol, Shapes.str(expected.shape())));
            }
        }
    }

    public static Tensor copyOf(Backend b, Tensor t) {
        Tensor c = b.empty(t.dtype(), t.shape());
        b.copy(t, c);
        return c;
    }

    public static Tensor zerosLike(Backend b, Tensor t) {
        Tensor c = b.empty(t.dtype(), t.shape());
        b.fill(c, 0);
        return c;
    }

    public static Tensor empty(Backend b, int... shape) { return b.empty(DType.F32, shape); }
}
