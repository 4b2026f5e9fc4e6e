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
        ContinuousWalk run = ContinuousWalk.start(c, chosen);
        while (!run.finished()) run.advance();
        return run.result();
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
