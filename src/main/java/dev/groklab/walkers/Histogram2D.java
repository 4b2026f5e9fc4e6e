package dev.groklab.walkers;

/** Counts of 2-D positions on a bins × bins grid over the window [−L, L)². */
public final class Histogram2D {
    public final int bins;
    public final float halfWidth;
    private final long[] counts;
    /** bins / 2L: a product per coordinate where a quotient cost more than the rest of a sample. */
    private final float binsPerUnit;
    private long inside, outside;

    public Histogram2D(int bins, float halfWidth) {
        if (bins < 2 || bins > 4096) throw new IllegalArgumentException("--bins must be in 2..4096, got " + bins);
        this.bins = bins;
        this.halfWidth = halfWidth;
        this.counts = new long[bins * bins];
        this.binsPerUnit = bins / (2 * halfWidth);
    }

    /** Bin index of coordinate v, or −1 outside [−L, L). Clamped at the upper edge, where float wrapping can land. */
    public int bin(float v) {
        if (!(v >= -halfWidth && v <= halfWidth)) return -1;
        int k = (int) ((v + halfWidth) * binsPerUnit);
        return Math.min(k, bins - 1);
    }

    public void add(float x0, float x1) {
        int i = bin(x0), j = bin(x1);
        if (i < 0 || j < 0) {
            outside++;
            return;
        }
        counts[i * bins + j]++;
        inside++;
    }

    /** Merges another histogram of the same grid into this one. */
    public void addAll(Histogram2D o) {
        if (o.bins != bins || o.halfWidth != halfWidth) throw new IllegalArgumentException("histogram grids differ");
        for (int k = 0; k < counts.length; k++) counts[k] += o.counts[k];
        inside += o.inside;
        outside += o.outside;
    }

    /** Adds counts kept elsewhere on this grid (row i = x0 bin; null: totals only) and their in/out totals. */
    void addCounts(int[] more, long moreInside, long moreOutside) {
        if (more != null) for (int k = 0; k < counts.length; k++) counts[k] += more[k];
        inside += moreInside;
        outside += moreOutside;
    }

    /** Counts one sample per cell index (i·bins + j; negative: outside, already in the totals). */
    void addCells(int[] cells) {
        for (int k : cells) if (k >= 0) counts[k]++;
    }

    /** Every bin's count, row i = x0 bin, for a checkpoint. */
    public long[] counts() { return counts.clone(); }

    /** Restores the counts and the in/out totals a checkpoint saved. */
    public void restore(long[] saved, long inside, long outside) {
        if (saved.length != counts.length) {
            throw new IllegalArgumentException("checkpoint histogram has " + saved.length + " bins, the run " + counts.length);
        }
        System.arraycopy(saved, 0, counts, 0, counts.length);
        this.inside = inside;
        this.outside = outside;
    }

    /** Count in bin (i along x0, j along x1). */
    public long count(int i, int j) { return counts[i * bins + j]; }

    public long inside() { return inside; }

    public long outside() { return outside; }

    /** Fraction of the in-window samples in bin (i, j). */
    public double probability(int i, int j) { return inside == 0 ? 0 : (double) count(i, j) / inside; }

    /** Centre of bin k along either axis. */
    public double center(int k) { return -halfWidth + (k + 0.5) * (2.0 * halfWidth / bins); }
}
