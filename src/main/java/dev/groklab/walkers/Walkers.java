package dev.groklab.walkers;

import dev.groklab.rng.Philox;

/** Positions (and momenta, for momentum dynamics) of a batch of 2-D walkers, one array per coordinate. */
public final class Walkers {
    public final int n;
    public final float[] x0, x1, p0, p1;

    public Walkers(int n) {
        Validate.positive("--walkers", n);
        this.n = n;
        x0 = new float[n];
        x1 = new float[n];
        p0 = new float[n];
        p1 = new float[n];
    }

    /**
     * Uniform starts in [−L, L)² from stream {@link Streams#INIT}: walker w's block at step 0,
     * x0 = −L + 2L·uniform(lane 0), x1 = −L + 2L·uniform(lane 1). Momenta start at zero.
     */
    public static Walkers uniform(int n, float halfWidth, int seed) {
        Walkers w = new Walkers(n);
        int[] b = new int[4];
        float l = halfWidth, span = 2 * halfWidth;
        for (int i = 0; i < n; i++) {
            Philox.block(i, 0, 0, 0, seed, Streams.INIT, b);
            w.x0[i] = Math.fma(span, Philox.uniform(b[0]), -l);
            w.x1[i] = Math.fma(span, Philox.uniform(b[1]), -l);
        }
        return w;
    }

    public Walkers copy() {
        Walkers c = new Walkers(n);
        System.arraycopy(x0, 0, c.x0, 0, n);
        System.arraycopy(x1, 0, c.x1, 0, n);
        System.arraycopy(p0, 0, c.p0, 0, n);
        System.arraycopy(p1, 0, c.p1, 0, n);
        return c;
    }
}
