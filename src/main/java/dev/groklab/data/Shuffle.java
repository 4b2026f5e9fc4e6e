package dev.groklab.data;

import dev.groklab.rng.Philox;

/**
 * Seeded Fisher–Yates shuffles driven by Philox4x32-10, so a split depends only on the seed and
 * this algorithm (not on a JDK's {@code Random} implementation) and can be re-derived elsewhere:
 * for i = n−1 down to 1, draw the 64-bit word u from the Philox block with key (lo(seed),
 * hi(seed)) and counter (lo(i), hi(i), 0, 0) as lane1·2^32 + lane0, take j = ⌊u·(i+1) / 2^64⌋,
 * and swap a[i] with a[j].
 */
public final class Shuffle {
    private Shuffle() {}

    /** The identity permutation of 0..n−1, shuffled. */
    public static int[] permutation(int n, long seed) {
        if (n < 0) throw new IllegalArgumentException("permutation: n = " + n + " is negative");
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        shuffle(a, seed);
        return a;
    }

    /** Shuffles {@code a} in place. */
    public static void shuffle(int[] a, long seed) {
        int k0 = (int) seed, k1 = (int) (seed >>> 32);
        int[] out = new int[4];
        for (int i = a.length - 1; i > 0; i--) {
            Philox.block(i, 0, 0, 0, k0, k1, out);
            long u = ((long) out[1] << 32) | (out[0] & 0xFFFFFFFFL);
            int j = (int) Math.unsignedMultiplyHigh(u, i + 1L);
            int t = a[i]; a[i] = a[j]; a[j] = t;
        }
    }
}
