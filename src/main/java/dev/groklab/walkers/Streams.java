package dev.groklab.walkers;

/**
 * Philox stream numbers (the key's second word) of the walker engine. The first key word is the
 * run's seed; the counter is (walker, step) as documented in {@link dev.groklab.rng.PhiloxNormals}.
 */
public final class Streams {
    /** Uniform starts: walker w's block at step 0, lanes 0 and 1 → x0, x1 (lanes 2, 3 → node for graph walks). */
    public static final int INIT = 1;
    /** Langevin / noisy-SGD noise: walker w's step pair at step s ({@link dev.groklab.rng.PhiloxNormals#stepPair}) → ξ0, ξ1. */
    public static final int NOISE = 2;
    /** HMC: walker w, proposal s; pair 0 → momenta, lane 2 → uniform for the accept test. */
    public static final int HMC = 3;
    /** Graph walks: walker w, step s; lane 0 → the neighbour choice. */
    public static final int GRAPH = 4;

    private Streams() {}
}
