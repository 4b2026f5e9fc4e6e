package dev.groklab.walkers;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Occupancy's chunked, parallel sampling against a plain loop over the walkers. */
class OccupancyTest {
    private static void check(Domain dom, float spread, double cx, double cy, double radius, int bins) {
        SplittableRandom rnd = new SplittableRandom(17);
        Walkers w = new Walkers(3 * Occupancy.CHUNK + 123);
        float l = dom.halfWidth();
        for (int i = 0; i < w.n; i++) {
            w.x0[i] = (float) rnd.nextDouble(-spread * l, spread * l);
            w.x1[i] = (float) rnd.nextDouble(-spread * l, spread * l);
        }
        Occupancy occ = new Occupancy(dom, bins, cx, cy, radius);
        occ.sample(w);
        occ.sample(w);

        long[] counts = new long[bins * bins];
        long inside = 0, near = 0;
        double s0 = 0, s1 = 0;
        Histogram2D h = new Histogram2D(bins, l);
        for (int i = 0; i < w.n; i++) {
            int a = h.bin(w.x0[i]), b = h.bin(w.x1[i]);
            if (a >= 0 && b >= 0) {
                counts[a * bins + b]++;
                inside++;
            }
            s0 += w.x0[i];
            s1 += w.x1[i];
            if (!dom.inWindow(w.x0[i], w.x1[i])) continue;
            double d0 = dom.delta(w.x0[i], cx), d1 = dom.delta(w.x1[i], cy);
            if (d0 * d0 + d1 * d1 < radius * radius) near++;
        }
        assertTrue(near > 100 && inside > 100, "the check covers both counts: near " + near + ", inside " + inside);
        assertEquals(2L * w.n, occ.samples());
        assertEquals(2 * inside, occ.histogram.inside());
        assertEquals(2L * w.n - 2 * inside, occ.histogram.outside());
        for (int a = 0; a < bins; a++) {
            for (int b = 0; b < bins; b++) assertEquals(2 * counts[a * bins + b], occ.histogram.count(a, b), "bin " + a + "," + b);
        }
        assertEquals((double) near / inside, occ.massNear(), 1e-15);
        assertEquals(s0 / w.n, occ.mean(0), 1e-12);
        assertEquals(s1 / w.n, occ.mean(1), 1e-12);
    }

    @Test void torusSamplesEqualAPlainLoop() {
        // A centre near the edge: the near disc wraps around the torus.
        check(Domain.torus(1.5f), 1f, 1.45, -1.4, 0.3, 37);
    }

    @Test void largeGridAndACentreOutsideTheWindow() {
        // 200² cells: counted from a cell index per walker; the centre's image lies in the window.
        check(Domain.torus(1f), 1f, 2.9, -3.05, 0.3, 200);
    }

    @Test void planeSamplesEqualAPlainLoopWithWalkersOutsideTheWindow() {
        check(Domain.plane(1f), 1.3f, 0.2, -0.1, 0.25, 16);
    }
}
