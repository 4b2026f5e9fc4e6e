package dev.groklab.walkers;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Seed 002's discrete picture (targets.md item 7): stationary distribution ∝ degree. */
class GraphWalkTest {
    @Test void twoCrossingLinesVisitTheCrossingTwiceAsOften() {
        GraphWalk g = new GraphWalk(2, 21, 4);
        long[] visits = g.occupancy(2048, 12_000, 1500);
        double ratio = GraphWalk.originToMeanRatio(visits);
        System.out.printf("graph walk, D = 2 lines of 21 nodes: origin/mean = %.4f (degree ratio %.1f)%n", ratio, g.degreeRatio());
        assertEquals(2.0, ratio, 0.03 * 2.0);
    }

    @Test void threeLines() {
        GraphWalk g = new GraphWalk(3, 15, 9);
        double ratio = GraphWalk.originToMeanRatio(g.occupancy(2048, 8000, 1000));
        System.out.printf("graph walk, D = 3: origin/mean = %.4f%n", ratio);
        assertEquals(3.0, ratio, 0.03 * 3.0);
    }

    @Test void nodeNumbering() {
        GraphWalk g = new GraphWalk(3, 5, 0);
        assertEquals(13, g.nodeCount());
        assertEquals(6, g.degree(0));
        assertEquals(2, g.degree(7));
        assertEquals(1, g.lineOf(5));
        assertEquals(1, g.positionOf(5));
    }
}
