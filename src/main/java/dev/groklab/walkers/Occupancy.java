package dev.groklab.walkers;

import dev.groklab.backend.cpu.Parallel;

/**
 * What the walkers' positions show, accumulated over one or more sampling times: a histogram over
 * the window, the number of samples within radius r of the singular point (distances on the torus
 * use the nearest periodic image), and first and second moments per axis.
 */
public final class Occupancy {
    public final Histogram2D histogram;
    private final Domain domain;
    private final double cx, cy, r2;
    private long near, samples;
    private double s0, s1, q0, q1;

    public Occupancy(Domain domain, int bins, double cx, double cy, double radius) {
        Validate.positive("--radius", radius);
        this.domain = domain;
        this.histogram = new Histogram2D(bins, domain.halfWidth());
        // On the torus the centre's image in the window: displacements then stay within ±2L.
        this.cx = domain.torus() ? domain.delta(cx, 0) : cx;
        this.cy = domain.torus() ? domain.delta(cy, 0) : cy;
        this.r2 = radius * radius;
    }

    /**
     * Walkers per chunk of {@link #sample}: a fixed cut, so the double sums add the same partial
     * sums in the same order whatever the number of threads.
     */
    static final int CHUNK = 1 << 14;

    /**
     * Grids up to this many cells are counted per chunk (ints: half the cache lines of longs) and
     * merged; larger ones from a bin index per walker, so memory stays at one int per walker.
     */
    static final int CHUNK_GRID_CELLS = CHUNK;

    /** One chunk's counts (or, for large grids, its walkers' bin indices) and sums. */
    private static final class Part {
        final int[] counts;
        long inside, outside, near;
        double s0, s1, q0, q1;

        Part(int cells) { counts = cells > 0 ? new int[cells] : null; }
    }

    /** Adds every walker's current position as one sample; chunks of walkers run on all cores. */
    public void sample(Walkers w) {
        int chunks = (w.n + CHUNK - 1) / CHUNK, bins = histogram.bins;
        boolean perChunk = bins * bins <= CHUNK_GRID_CELLS;
        int[] cell = perChunk ? null : new int[w.n];
        Part[] parts = new Part[chunks];
        Parallel.rangeStealing(chunks, 1, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                parts[c] = part(w, c * CHUNK, Math.min(w.n, (c + 1) * CHUNK), bins, perChunk ? bins * bins : 0, cell);
            }
        });
        for (Part p : parts) {
            histogram.addCounts(p.counts, p.inside, p.outside);
            near += p.near;
            s0 += p.s0;
            s1 += p.s1;
            q0 += p.q0;
            q1 += p.q1;
        }
        if (!perChunk) histogram.addCells(cell);
        samples += w.n;
    }

    /**
     * {@link Domain#delta} for displacements within three half-widths, which wrapped positions
     * and a centre in the window always are: one comparison instead of a division and a floor.
     */
    private double fold(double d) {
        if (!domain.torus()) return d;
        double l = domain.halfWidth();
        return d >= l ? d - 2 * l : d < -l ? d + 2 * l : d;
    }

    /** Walkers [from, to): counts into the part's grid, or with {@code cells} 0 each walker's cell into {@code cell}. */
    private Part part(Walkers w, int from, int to, int bins, int cells, int[] cell) {
        Part p = new Part(cells);
        for (int i = from; i < to; i++) {
            float x0 = w.x0[i], x1 = w.x1[i];
            int a = histogram.bin(x0), b = histogram.bin(x1);
            int k = a < 0 || b < 0 ? -1 : a * bins + b;
            if (k < 0) p.outside++;
            else p.inside++;
            if (cells == 0) cell[i] = k;
            else if (k >= 0) p.counts[k]++;
            p.s0 += x0;
            p.s1 += x1;
            p.q0 += (double) x0 * x0;
            p.q1 += (double) x1 * x1;
            if (!domain.inWindow(x0, x1)) continue;
            double d0 = fold(x0 - cx), d1 = fold(x1 - cy);
            if (d0 * d0 + d1 * d1 < r2) p.near++;
        }
        return p;
    }

    /** The running sums, for a checkpoint; the histogram's counts are saved beside them. */
    public record Sums(long near, long samples, double s0, double s1, double q0, double q1) {}

    public Sums sums() { return new Sums(near, samples, s0, s1, q0, q1); }

    /** Restores what a checkpoint saved: the sums, the histogram's counts and its in/out totals. */
    public void restore(Sums s, long[] counts, long inside, long outside) {
        histogram.restore(counts, inside, outside);
        near = s.near();
        samples = s.samples();
        s0 = s.s0();
        s1 = s.s1();
        q0 = s.q0();
        q1 = s.q1();
    }

    public long samples() { return samples; }

    /** Fraction of in-window samples within r of the singular point. */
    public double massNear() { return histogram.inside() == 0 ? 0 : (double) near / histogram.inside(); }

    /** Fraction of all samples inside the window (1 on the torus). */
    public double fractionInWindow() { return samples == 0 ? 0 : (double) histogram.inside() / samples; }

    public double mean(int axis) { return (axis == 0 ? s0 : s1) / samples; }

    public double variance(int axis) {
        double m = mean(axis);
        return (axis == 0 ? q0 : q1) / samples - m * m;
    }
}
