package dev.groklab.walkers;

import dev.groklab.backend.cpu.Parallel;
import dev.groklab.rng.Philox;

/**
 * A simple random walk on D cycles ("lines" of a torus lattice) of n nodes each that share one
 * node, the crossing: for D = 2 these are the row and the column through the origin of an n×n
 * torus lattice. Each step moves to a uniformly chosen neighbour. The stationary distribution is
 * proportional to degree, so the crossing (degree 2D) is visited D times as often as any other
 * node (degree 2): seed 002's discrete picture.
 *
 * <p>Nodes: 0 is the crossing; node 1 + k·(n − 1) + (j − 1) is position j (1..n−1) on line k.
 * Randomness: walker w's step s uses lane 0 of the block at counter (w, s), stream
 * {@link Streams#GRAPH}; starts are uniform over nodes from lane 2 of the block (w, 0) in stream
 * {@link Streams#INIT}.
 */
public record GraphWalk(int lines, int nodesPerLine, int seed) {
    public GraphWalk {
        if (lines < 1 || lines > 64) throw new IllegalArgumentException("--lines must be in 1..64, got " + lines);
        if (nodesPerLine < 3 || nodesPerLine > 1 << 20) {
            throw new IllegalArgumentException("--nodes (per line) must be in 3.." + (1 << 20) + ", got " + nodesPerLine);
        }
    }

    public int nodeCount() { return 1 + lines * (nodesPerLine - 1); }

    public int degree(int node) { return node == 0 ? 2 * lines : 2; }

    /** Line of a non-crossing node. */
    public int lineOf(int node) { return (node - 1) / (nodesPerLine - 1); }

    /** Position (1..n−1) along its line of a non-crossing node. */
    public int positionOf(int node) { return (node - 1) % (nodesPerLine - 1) + 1; }

    /** Visits per node, summed over walkers, at every step from burnIn to steps − 1 (after the move). */
    public long[] occupancy(int walkers, int steps, int burnIn) {
        Validate.positive("--walkers", walkers);
        Validate.positive("--steps", steps);
        if (burnIn < 0 || burnIn >= steps) throw new IllegalArgumentException("--burn-in must be in 0.." + (steps - 1) + ", got " + burnIn);
        long[] total = new long[nodeCount()];
        Parallel.rangeStealing(walkers, 16, (from, to) -> {
            long[] mine = run(from, to, steps, burnIn);
            synchronized (total) {
                for (int i = 0; i < total.length; i++) total[i] += mine[i];
            }
        });
        return total;
    }

    private long[] run(int from, int to, int steps, int burnIn) {
        int n = nodesPerLine, per = n - 1, nodes = nodeCount(), twoD = 2 * lines;
        long[] counts = new long[nodes];
        int[] b = new int[4];
        for (int w = from; w < to; w++) {
            Philox.block(w, 0, 0, 0, seed, Streams.INIT, b);
            int node = (int) (((b[2] >>> 8) * (long) nodes) >>> 24);
            for (int s = 0; s < steps; s++) {
                Philox.block(w, 0, s, 0, seed, Streams.GRAPH, b);
                int bits = b[0];
                if (node == 0) {
                    int m = (int) (((bits >>> 8) * (long) twoD) >>> 24);
                    node = 1 + (m >> 1) * per + ((m & 1) == 0 ? 0 : per - 1);
                } else {
                    int k = (node - 1) / per, j = (node - 1) % per + 1;
                    j += bits < 0 ? 1 : -1;
                    node = j == 0 || j == n ? 0 : 1 + k * per + (j - 1);
                }
                if (s >= burnIn) counts[node]++;
            }
        }
        return counts;
    }

    /** Visits of the crossing over the mean visits of the other nodes; D at stationarity. */
    public static double originToMeanRatio(long[] counts) {
        double rest = 0;
        for (int i = 1; i < counts.length; i++) rest += counts[i];
        return counts[0] / (rest / (counts.length - 1));
    }

    /** Degree of the crossing over the mean degree of the other nodes: 2D / 2 = D. */
    public double degreeRatio() { return lines; }
}
