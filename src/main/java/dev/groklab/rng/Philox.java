package dev.groklab.rng;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", 2011): a
 * counter-based generator. Key (k0, k1) = (seed, stream); the 128-bit counter names the draw, so
 * any element of any step can be generated independently, in any order, on any backend.
 */
public final class Philox {
    private static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    private Philox() {}

    /** The four 32-bit outputs for counter (c0..c3) and key (k0, k1), written to out[0..3]. */
    public static void block(int c0, int c1, int c2, int c3, int k0, int k1, int[] out) {
        for (int r = 0; r < 10; r++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0; c1 = n1; c2 = n2; c3 = n3;
            k0 += W0;
            k1 += W1;
        }
        out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
    }

    /** Lane {@code lane} (0..3) of the block at counter (lo(index), hi(index), lo(step), hi(step)). */
    public static int bits(int seed, int stream, long index, long step, int lane) {
        int[] o = new int[4];
        block((int) index, (int) (index >>> 32), (int) step, (int) (step >>> 32), seed, stream, o);
        return o[lane];
    }

    /** Uniform in [0, 1) from the top 24 bits: exactly representable in float32 on every device. */
    public static float uniform(int bits) {
        return (bits >>> 8) * 0x1.0p-24f;
    }

    /** Uniform in (0, 1], safe for log in Box-Muller. */
    public static float uniformOpenZero(int bits) {
        return ((bits >>> 8) + 1) * 0x1.0p-24f;
    }

    /** Element i's uniform in [0, 1): block i/4, lane i%4, keyed (seed, stream), at step. */
    public static float uniformAt(int seed, int stream, long i, long step) {
        return uniform(bits(seed, stream, i >>> 2, step, (int) (i & 3)));
    }
}
