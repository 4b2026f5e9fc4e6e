package dev.groklab.walkers;

/**
 * A Brownian, SGD or HMC run advanced one sampling time (or fewer steps) at a time, so that a
 * caller can stream metrics and save checkpoints between calls. Every random number comes from
 * the counter-based stream at (walker, step), so a run restored from its state after any step
 * continues with the same bits as one that never stopped (given the same kernel).
 */
public final class ContinuousWalk {
    private final WalkConfig c;
    private final Walkers w;
    private final Occupancy occ;
    private final LangevinKernel kernel;
    private final LangevinStep step;
    private final Hmc hmc;
    private int done;
    private long accepted;
    private double seconds;

    private ContinuousWalk(WalkConfig c, LangevinKernel chosen, Walkers w) {
        Dynamics dyn = c.dynamicsKind();
        if (dyn == Dynamics.GRAPH) throw new IllegalArgumentException("graph walks are not continuous dynamics");
        Potential u = c.buildPotential();
        Domain dom = c.domain();
        double[] sp = u.singularPoint();
        this.c = c;
        this.w = w;
        this.occ = new Occupancy(dom, c.bins(), sp[0], sp[1], c.radius());
        this.kernel = chosen != null ? chosen : Walk.kernel(c.kernel(), (long) c.walkers() * c.steps());
        this.step = switch (dyn) {
            case BROWNIAN -> LangevinStep.brownian(u, dom, c.dt(), c.temperature(), c.seed());
            case SGD -> LangevinStep.sgd(u, dom, c.dt(), c.epsilon(), c.beta(), c.seed());
            default -> null;
        };
        this.hmc = dyn == Dynamics.HMC ? new Hmc(u.form(), dom, c.temperature(), c.dt(), c.leapfrog(), c.seed()) : null;
    }

    /** A new run from uniform starts; {@code chosen} null means the CPU kernel c names. */
    public static ContinuousWalk start(WalkConfig c, LangevinKernel chosen) {
        return new ContinuousWalk(c, chosen, Walkers.uniform(c.walkers(), c.halfWidth(), c.seed()));
    }

    /**
     * A run restored after step {@code done}, with the walkers, the occupancy's sums and counts,
     * the accepted HMC proposals and the seconds spent so far.
     */
    public static ContinuousWalk restore(WalkConfig c, LangevinKernel kernel, Walkers w, int done, Occupancy.Sums sums,
                                         long[] counts, long inside, long outside, long accepted, double seconds) {
        if (w.n != c.walkers()) throw new IllegalArgumentException("checkpoint holds " + w.n + " walkers, the run " + c.walkers());
        if (done < 0 || done > c.steps()) throw new IllegalArgumentException("checkpoint step " + done + " lies outside 0.." + c.steps());
        ContinuousWalk r = new ContinuousWalk(c, kernel, w);
        // A final-positions run extended past its old end samples only at the new end.
        if (c.sampleEvery() > 0 || done == c.steps()) r.occ.restore(sums, counts, inside, outside);
        r.done = done;
        r.accepted = accepted;
        r.seconds = seconds;
        return r;
    }

    public boolean finished() { return done >= c.steps(); }

    /** Advances to the next sampling time (or to the end when only final positions count) and samples there. */
    public void advance() { advance(c.steps()); }

    /**
     * Advances to the next sampling time or to step {@code until}, whichever comes first, and
     * samples if a sampling time is reached. Stopping between sampling times changes no bits.
     */
    public void advance(int until) {
        if (finished()) return;
        if (until <= done) throw new IllegalArgumentException("advance until step " + until + ", already at " + done);
        long t0 = System.nanoTime();
        int next = Math.min(nextSampleTime(), Math.min(until, c.steps()));
        int n = next - done;
        if (hmc != null) accepted += hmc.advance(w, done, n);
        else kernel.advance(step, w, done, n);
        done = next;
        if (isSampleTime(done)) occ.sample(w);
        if (finished() && occ.samples() == 0) occ.sample(w);
        seconds += (System.nanoTime() - t0) * 1e-9;
    }

    /** Sampling times: burnIn + k·every for k ≥ 1, and the last step; only the last when every is 0. */
    private boolean isSampleTime(int t) {
        return t == c.steps() || onGrid(c, t);
    }

    /** Whether t is burnIn + k·every for some k ≥ 1. */
    private static boolean onGrid(WalkConfig c, int t) {
        int every = c.sampleEvery();
        return every > 0 && t > c.burnIn() && (t - c.burnIn()) % every == 0;
    }

    /** Whether c's last step is a sampling time of the every-K grid, or only final positions count. */
    public static boolean endsOnSamplingGrid(WalkConfig c) {
        return c.sampleEvery() == 0 || onGrid(c, c.steps());
    }

    private int nextSampleTime() {
        int every = c.sampleEvery(), first = c.burnIn() + every;
        if (every == 0) return c.steps();
        long next = done < first ? first : done + every - (long) ((done - c.burnIn()) % every);
        return (int) Math.min(next, c.steps());
    }

    public WalkConfig config() { return c; }

    public int done() { return done; }

    public Walkers walkers() { return w; }

    public Occupancy occupancy() { return occ; }

    public long accepted() { return accepted; }

    /** Seconds spent advancing, summed over every session of the run. */
    public double seconds() { return seconds; }

    /** "simd", "scalar", a device kernel's name, or "scalar" for HMC (which runs on the CPU). */
    public String kernelName() { return hmc != null ? "scalar" : kernel.name(); }

    /** Walker-steps so far (HMC: leapfrog steps). */
    public long walkerSteps() { return (long) c.walkers() * done * (hmc != null ? c.leapfrog() : 1); }

    /** Accepted fraction of the HMC proposals so far; null for other dynamics. */
    public Double acceptance() {
        return hmc == null || done == 0 ? null : (double) accepted / ((double) c.walkers() * done);
    }

    /** The summary, with the Gibbs comparison computed on a fine grid. */
    public WalkResult result() {
        Potential u = c.buildPotential();
        Domain dom = c.domain();
        double[] sp = u.singularPoint();
        double temp = c.gibbsTemperature();
        GibbsGrid gibbs = temp > 0
                ? new GibbsGrid(u.form(), dom, temp, c.bins(), Walk.gibbsSub(c.bins()), sp[0], sp[1], c.radius()) : null;
        double l = c.halfWidth();
        double uniformNear = Math.min(1, Math.PI * c.radius() * c.radius() / (4 * l * l));
        double emp = occ.massNear();
        Double gm = gibbs == null ? null : gibbs.massNear();
        WalkSummary s = new WalkSummary(c.preset(), c.dynamicsKind().label(), Walk.describe(u), dom.describe(), c.walkers(),
                c.steps(), occ.samples(), kernelName(), temp > 0 ? temp : null, (double) c.radius(),
                emp, gm, gm == null || gm < Walk.MIN_GIBBS_MASS ? null : emp / gm, uniformNear, occ.fractionInWindow(),
                occ.mean(0), occ.mean(1), occ.variance(0), occ.variance(1), acceptance(), null, null,
                seconds, walkerSteps() / seconds);
        return new WalkResult(c, s, occ, gibbs, null, null);
    }
}
