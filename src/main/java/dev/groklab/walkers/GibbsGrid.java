package dev.groklab.walkers;

/**
 * The Gibbs density exp(−U/T)/Z restricted to the window [−L, L)², integrated by the midpoint
 * rule on a fine grid: {@code sub × sub} points per histogram bin. Gives the probability of every
 * histogram bin and the mass within radius r of a point (periodic distance on the torus).
 */
public final class GibbsGrid {
    public final int bins;
    private final double[] binMass;
    private final double massNear;

    /**
     * @param sub points per bin along each axis; the fine grid has (bins·sub)² points
     */
    public GibbsGrid(PotentialForm form, Domain domain, double temperature, int bins, int sub,
                     double cx, double cy, double radius) {
        Validate.positive("--temperature", temperature);
        if (sub < 1) throw new IllegalArgumentException("sub must be >= 1");
        this.bins = bins;
        int n = bins * sub;
        double l = domain.halfWidth(), h = 2 * l / n, r2 = radius * radius;
        double[] u = new double[n];
        double umin = Double.POSITIVE_INFINITY;
        // First pass: the minimum, so the exponentials cannot underflow everywhere.
        for (int i = 0; i < n; i++) {
            double x0 = -l + (i + 0.5) * h;
            for (int j = 0; j < n; j++) umin = Math.min(umin, form.value(x0, -l + (j + 0.5) * h));
        }
        double[] mass = new double[bins * bins];
        double z = 0, nearMass = 0;
        for (int i = 0; i < n; i++) {
            double x0 = -l + (i + 0.5) * h, d0 = domain.delta(x0, cx);
            for (int j = 0; j < n; j++) {
                double x1 = -l + (j + 0.5) * h;
                u[j] = Math.exp(-(form.value(x0, x1) - umin) / temperature);
            }
            for (int j = 0; j < n; j++) {
                double p = u[j], d1 = domain.delta(-l + (j + 0.5) * h, cy);
                z += p;
                mass[(i / sub) * bins + j / sub] += p;
                if (d0 * d0 + d1 * d1 < r2) nearMass += p;
            }
        }
        for (int k = 0; k < mass.length; k++) mass[k] /= z;
        this.binMass = mass;
        this.massNear = nearMass / z;
    }

    /** Gibbs probability of histogram bin (i along x0, j along x1). */
    public double probability(int i, int j) { return binMass[i * bins + j]; }

    /** Gibbs mass within the radius of the point. */
    public double massNear() { return massNear; }
}
