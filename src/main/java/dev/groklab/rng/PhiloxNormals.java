package dev.groklab.rng;

/**
 * Standard normals from Philox4x32-10 by Box-Muller, in a layout every backend reproduces.
 *
 * <h2>Stream layout</h2>
 * Item {@code index} (a walker) at step {@code step} owns exactly one Philox block:
 * key (k0, k1) = (seed, stream), counter (c0, c1, c2, c3) = (lo(index), hi(index), lo(step),
 * hi(step)), i.e. {@code Philox.block(index, index >>> 32, step, step >>> 32, seed, stream)}.
 * Its four 32-bit lanes o0..o3 give two Box-Muller pairs:
 * <pre>
 *   pair 0 = (z0, z1) from (o0, o1)        pair 1 = (z2, z3) from (o2, o3)
 *   u1 = uniformOpenZero(oA) = ((oA >>> 8) + 1) · 2⁻²⁴      in (0, 1]
 *   u2 = uniform(oB)         =  (oB >>> 8)      · 2⁻²⁴      in [0, 1)
 *   r  = sqrt(−2 · log(u1))        θ = TWO_PI · u2        (all float32)
 *   zA = r · cos(θ),   zB = r · sin(θ)
 * </pre>
 * Every operation is float32 (log, cos and sin are evaluated in higher precision and rounded to
 * float here; other backends use their float library, so values agree to a few ulps, not bit
 * for bit).
 *
 * <h2>Step pairs</h2>
 * A consumer that needs one pair per step (a 2-D walker's noise) shares each block between two
 * steps, halving the Philox work: step s of item w reads pair (s mod 2) of the block at
 * (w, s div 2), i.e. steps 2t and 2t + 1 read pairs 0 and 1 of block t ({@link #stepPair}).
 * Consumers that need more than one pair per step (HMC: momenta and an accept test) own the whole
 * block of step s instead.
 */
public final class PhiloxNormals {
    /** 2π rounded to float32, the constant every backend multiplies u2 by. */
    public static final float TWO_PI = 6.2831855f;

    private PhiloxNormals() {}

    /** The block for (index, step) under key (seed, stream), written to bits[0..3]. */
    public static void block(int seed, int stream, long index, long step, int[] bits) {
        Philox.block((int) index, (int) (index >>> 32), (int) step, (int) (step >>> 32), seed, stream, bits);
    }

    /** Box-Muller radius sqrt(−2 ln u1) for the lane that feeds u1. */
    public static float radius(int bitsU1) {
        float l = (float) Math.log(Philox.uniformOpenZero(bitsU1));
        return (float) Math.sqrt(-2f * l);
    }

    /** Box-Muller angle 2π·u2 for the lane that feeds u2. */
    public static float angle(int bitsU2) {
        return TWO_PI * Philox.uniform(bitsU2);
    }

    /** The pair (zA, zB) from lanes (bitsA, bitsB), written to out[off], out[off + 1]. */
    public static void pair(int bitsA, int bitsB, float[] out, int off) {
        float r = radius(bitsA), t = angle(bitsB);
        out[off] = r * (float) Math.cos(t);
        out[off + 1] = r * (float) Math.sin(t);
    }

    /**
     * The step-pair normals of item {@code index} at step {@code step} (see the class comment),
     * written to out[off], out[off + 1]; bits is scratch for the block (4 ints).
     */
    public static void stepPair(int seed, int stream, long index, long step, int[] bits, float[] out, int off) {
        block(seed, stream, index, step >>> 1, bits);
        int pair = (int) (step & 1) << 1;
        pair(bits[pair], bits[pair + 1], out, off);
    }

    /** The four normals (z0, z1, z2, z3) of (index, step), written to out[off..off + 3]. */
    public static void normals4(int seed, int stream, long index, long step, float[] out, int off) {
        int[] b = new int[4];
        block(seed, stream, index, step, b);
        pair(b[0], b[1], out, off);
        pair(b[2], b[3], out, off + 2);
    }

    /** Normal number {@code lane} (0..3) of (index, step). */
    public static float normal(int seed, int stream, long index, long step, int lane) {
        float[] z = new float[4];
        normals4(seed, stream, index, step, z, 0);
        return z[lane];
    }

    /**
     * Fills out[0..n) with normals of items from..from+n/4 at one step, four per item in lane
     * order: out[4i + j] = normal(seed, stream, from + i, step, j). n must be a multiple of 4.
     */
    public static void fill(int seed, int stream, long from, long step, float[] out, int n) {
        if ((n & 3) != 0) throw new IllegalArgumentException("n must be a multiple of 4, got " + n);
        int[] b = new int[4];
        for (int i = 0; i < n; i += 4) {
            block(seed, stream, from + (i >> 2), step, b);
            pair(b[0], b[1], out, i);
            pair(b[2], b[3], out, i + 2);
        }
    }
}
