package dev.groklab.walkers;

/**
 * Where walkers live: the torus [−L, L)² (periodic) or the open plane. On the plane, L is the
 * half-width of the box that uniform starts, histograms and Gibbs integrals use.
 */
public record Domain(boolean torus, float halfWidth) {
    public Domain {
        if (!(halfWidth > 0) || Float.isInfinite(halfWidth)) {
            throw new IllegalArgumentException((torus ? "--torus" : "--box") + " (half-width L) must be a finite number > 0, got " + halfWidth);
        }
    }

    public static Domain torus(float halfWidth) { return new Domain(true, halfWidth); }

    public static Domain plane(float boxHalfWidth) { return new Domain(false, boxHalfWidth); }

    /**
     * Brings x back into [−L, L) by one period. Steps are much shorter than a period, so one
     * correction per step suffices; a longer excursion is pulled back over the next steps.
     */
    public float wrap(float x) {
        if (!torus) return x;
        float l = halfWidth;
        if (x >= l) return x - 2 * l;
        if (x < -l) return x + 2 * l;
        return x;
    }

    /** The periodic displacement x − y folded into [−L, L) on the torus; plain x − y on the plane. */
    public double delta(double x, double y) {
        double d = x - y;
        if (!torus) return d;
        double p = 2.0 * halfWidth;
        d -= p * Math.floor((d + halfWidth) / p);
        return d;
    }

    /** Whether (x0, x1) lies in the window [−L, L)²; always on the torus, which is the window. */
    public boolean inWindow(float x0, float x1) {
        if (torus) return true;
        float l = halfWidth;
        return x0 >= -l && x0 < l && x1 >= -l && x1 < l;
    }

    public String describe() { return (torus ? "torus [-L, L)^2, L = " : "plane, box [-L, L)^2, L = ") + halfWidth; }
}
