package dev.groklab.walkers;

/**
 * A finished run: its summary plus what the files are drawn from. Continuous runs carry the
 * occupancy and the Gibbs grid; graph walks carry visits per node.
 */
public record WalkResult(WalkConfig config, WalkSummary summary, Occupancy occupancy, GibbsGrid gibbs,
                         GraphWalk graph, long[] visits) {
}
