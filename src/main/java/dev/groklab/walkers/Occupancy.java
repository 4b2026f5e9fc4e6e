package dev.groklab.walkers;

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
        this.cx = cx;
        this.cy = cy;
        this.r2 = radius * radius;
    }

    /** Adds every walker's current position as one sample. */
    public void sample(Walkers w) {
        for (int i = 0; i < w.n; i++) {
            float x0 = w.x0[i], x1 = w.x1[i];
            histogram.add(x0, x1);
            samples++;
            s0 += x0;
            s1 += x1;
            q0 += (double) x0 * x0;
            q1 += (double) x1 * x1;
            if (!domain.inWindow(x0, x1)) continue;
            double d0 = domain.delta(x0, cx), d1 = domain.delta(x1, cy);
            if (d0 * d0 + d1 * d1 < r2) near++;
        }
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
