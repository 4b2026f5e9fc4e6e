package dev.groklab.walkers;

/** Runs a {@link WalkConfig}: the dynamics, the sampling and the comparison with Gibbs. */
public final class Walk {
    /** Fine-grid points per histogram bin for the Gibbs integrals (at least 1024 per axis). */
    static int gibbsSub(int bins) { return Math.max(4, (1024 + bins - 1) / bins); }

    private Walk() {}

    public static WalkResult run(WalkConfig c) {
        return run(c, null);
    }

    /**
     * Runs c with Brownian and SGD steps on {@code kernel} (a device kernel chosen by the caller),
     * or on the CPU kernel c names when it is null. HMC and graph walks run on the CPU and take no kernel.
     */
    public static WalkResult run(WalkConfig c, LangevinKernel kernel) {
        Dynamics d = c.dynamicsKind();
        if (kernel != null && !d.usesLangevinKernel()) {
            throw new IllegalArgumentException("dynamics " + d.label() + " runs on the CPU only; " + kernel.name()
                    + " runs " + Dynamics.langevinLabels());
        }
        return switch (d) {
            case GRAPH -> graph(c);
            case BROWNIAN, SGD, HMC -> continuous(c, kernel);
        };
    }

    /**
     * Walker-steps from which "auto" picks the SIMD kernel. Until C2 has compiled it (seconds,
     * more on a busy machine) the Vector API code runs orders of magnitude slower than the scalar
     * kernel, so shorter runs finish sooner on the scalar one.
     */
    public static final long AUTO_SIMD_WORK = 100_000_000L;

    /** Below this Gibbs mass near the singular point the ratio is left out: it would only measure e^(−ΔU/T). */
    static final double MIN_GIBBS_MASS = 1e-9;

    /** The kernel called name ("simd", "scalar", or "auto" by the work size). */
    public static LangevinKernel kernel(String name, long walkerSteps) {
        return switch (name) {
            case "scalar" -> BrownianKernelReference.INSTANCE;
            case "simd" -> BrownianKernelSimd.INSTANCE;
            default -> walkerSteps >= AUTO_SIMD_WORK ? BrownianKernelSimd.INSTANCE : BrownianKernelReference.INSTANCE;
        };
    }

    private static WalkResult continuous(WalkConfig c, LangevinKernel chosen) {
        Dynamics dyn = c.dynamicsKind();
        Potential u = c.buildPotential();
        PotentialForm form = u.form();
        Domain dom = c.domain();
        double[] sp = u.singularPoint();
        Walkers w = Walkers.uniform(c.walkers(), c.halfWidth(), c.seed());
        Occupancy occ = new Occupancy(dom, c.bins(), sp[0], sp[1], c.radius());
        LangevinKernel kernel = chosen != null ? chosen : kernel(c.kernel(), (long) c.walkers() * c.steps());
        LangevinStep step = switch (dyn) {
            case BROWNIAN -> LangevinStep.brownian(u, dom, c.dt(), c.temperature(), c.seed());
            case SGD -> LangevinStep.sgd(u, dom, c.dt(), c.epsilon(), c.beta(), c.seed());
            default -> null;
        };
        Hmc hmc = dyn == Dynamics.HMC ? new Hmc(form, dom, c.temperature(), c.dt(), c.leapfrog(), c.seed()) : null;

        long accepted = 0;
        int every = c.sampleEvery(), done = 0;
        long t0 = System.nanoTime();
        while (done < c.steps()) {
            // Advance to the next sampling time (or to the end when only final positions count).
            int next = every == 0 || done < c.burnIn() ? (every == 0 ? c.steps() : c.burnIn() + every) : done + every;
            next = Math.min(next, c.steps());
            int n = next - done;
            if (hmc != null) accepted += hmc.advance(w, done, n);
            else kernel.advance(step, w, done, n);
            done = next;
            if (every > 0 ? done > c.burnIn() : done == c.steps()) occ.sample(w);
        }
        double seconds = (System.nanoTime() - t0) * 1e-9;
        if (occ.samples() == 0) occ.sample(w);

        double temp = c.gibbsTemperature();
        GibbsGrid gibbs = temp > 0 ? new GibbsGrid(form, dom, temp, c.bins(), gibbsSub(c.bins()), sp[0], sp[1], c.radius()) : null;
        double l = c.halfWidth();
        double uniformNear = Math.min(1, Math.PI * c.radius() * c.radius() / (4 * l * l));
        double emp = occ.massNear();
        Double gm = gibbs == null ? null : gibbs.massNear();
        long stepsDone = (long) c.walkers() * c.steps() * (hmc != null ? c.leapfrog() : 1);
        WalkSummary s = new WalkSummary(c.preset(), dyn.label(), describe(u), dom.describe(), c.walkers(), c.steps(),
                occ.samples(), hmc != null ? "scalar" : kernel.name(), temp > 0 ? temp : null, (double) c.radius(),
                emp, gm, gm == null || gm < MIN_GIBBS_MASS ? null : emp / gm, uniformNear, occ.fractionInWindow(),
                occ.mean(0), occ.mean(1), occ.variance(0), occ.variance(1),
                hmc != null ? (double) accepted / ((double) c.walkers() * c.steps()) : null, null, null,
                seconds, stepsDone / seconds);
        return new WalkResult(c, s, occ, gibbs, null, null);
    }

    private static WalkResult graph(WalkConfig c) {
        GraphWalk g = new GraphWalk(c.lines(), c.nodes(), c.seed());
        long t0 = System.nanoTime();
        long[] visits = g.occupancy(c.walkers(), c.steps(), c.burnIn());
        double seconds = (System.nanoTime() - t0) * 1e-9;
        long samples = (long) c.walkers() * (c.steps() - c.burnIn());
        WalkSummary s = new WalkSummary(c.preset(), Dynamics.GRAPH.label(), c.lines() + " lines of " + c.nodes() + " nodes",
                "graph", c.walkers(), c.steps(), samples, "scalar", null, null, null, null, null, null, null,
                null, null, null, null, null, GraphWalk.originToMeanRatio(visits), g.degreeRatio(),
                seconds, (double) c.walkers() * c.steps() / seconds);
        return new WalkResult(c, s, null, null, g, visits);
    }

    /** A one-line description of the potential with its numbers. */
    public static String describe(Potential u) {
        return switch (u) {
            case Potential.Crossing p -> "crossing a=" + p.a() + " b=" + p.b();
            case Potential.Paraboloid p -> "paraboloid a=" + p.a();
            case Potential.Valley p -> "valley a=" + p.a() + " b=" + p.b();
            case Potential.Lines p -> "lines D=" + p.d() + " a=" + p.a() + " b=" + p.b();
            case Potential.Regularized p -> describe(p.base()) + " + lambda/2 |x - c|^2, lambda=" + p.lambda()
                    + " c=(" + p.c0() + ", " + p.c1() + ")";
        };
    }
}
