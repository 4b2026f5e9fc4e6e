package dev.groklab.optim;

import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Binary;
import dev.groklab.nn.Params;
import dev.groklab.rng.Philox;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hamiltonian Monte Carlo over all parameters of an ensemble, one independent chain per model,
 * targeting exp(−U(w)). One {@link #step} is one trajectory: momenta p ~ N(0, I) (unit mass),
 * {@code leapfrog} leapfrog steps of size eps[m], then a Metropolis test on
 * H = U(w) + ‖p‖²/2 per model; a rejected model gets its starting weights back.
 *
 * <p>Randomness: the momenta come from {@link ParamNoise} with stream
 * {@link ParamNoise#HMC_MOMENTUM_STREAM}, the accept test from the uniform of
 * (seeds[m], {@link ParamNoise#HMC_ACCEPT_STREAM}) at counter (0, step).
 */
public final class HmcSampler {
    /**
     * The potential per model at the current parameters, U[m]; it must leave ∇U in the
     * parameters' gradients (which are null on entry). Called inside a scope that the sampler
     * closes right after using the gradients.
     */
    @FunctionalInterface
    public interface Potential { double[] evaluate(); }

    /** One trajectory's outcome per model: accepted or not, ΔH, and U at the state kept. */
    public record Result(boolean[] accepted, double[] deltaH, double[] potential) {
        public int acceptedCount() {
            int n = 0;
            for (boolean a : accepted) if (a) n++;
            return n;
        }
    }

    private final Params params;
    private final long[] seeds;
    private final int leapfrog;

    public HmcSampler(Params params, long[] seeds, int leapfrog) {
        if (leapfrog < 1) throw new IllegalArgumentException("--hmc-leapfrog must be >= 1, got " + leapfrog);
        this.params = params;
        this.seeds = seeds.clone();
        this.leapfrog = leapfrog;
    }

    /** One trajectory from the current weights (call inside the step's scope). */
    public Result step(Potential u, long step, float[] eps) {
        int models = seeds.length;
        if (eps.length != models) throw new IllegalArgumentException("hmc: " + eps.length + " step sizes for " + models + " models");
        Map<String, Tensor> start = new LinkedHashMap<>();
        for (String name : params.names()) {
            Var p = params.get(name);
            Tensor c = p.backend().empty(p.value().dtype(), p.value().shape());
            p.backend().copy(p.value(), c);
            start.put(name, c);
        }
        Map<String, Tensor> mom = ParamNoise.normals(params, seeds, ParamNoise.HMC_MOMENTUM_STREAM, step, 1.0);
        double[] k0 = kinetic(mom, models);
        float[] half = new float[models];
        for (int m = 0; m < models; m++) half[m] = 0.5f * eps[m];

        params.zeroGrads();
        double[] u0 = kick(u, mom, half);
        double[] u1 = u0;
        for (int l = 1; l <= leapfrog; l++) {
            drift(mom, eps);
            u1 = kick(u, mom, l == leapfrog ? half : eps);
        }
        double[] k1 = kinetic(mom, models);

        boolean[] accepted = new boolean[models];
        double[] dH = new double[models], kept = new double[models];
        for (int m = 0; m < models; m++) {
            dH[m] = (u1[m] + k1[m]) - (u0[m] + k0[m]);
            double r = Philox.uniformAt((int) seeds[m], ParamNoise.HMC_ACCEPT_STREAM, 0, step);
            // A NaN or infinite ΔH (a trajectory that blew up) is always rejected.
            accepted[m] = Double.isFinite(dH[m]) && r < Math.exp(-dH[m]);
            kept[m] = accepted[m] ? u1[m] : u0[m];
            if (!accepted[m]) {
                for (String name : params.names()) {
                    Var p = params.get(name);
                    p.backend().copy(start.get(name).slice(0, m, m + 1), p.value().slice(0, m, m + 1));
                }
            }
        }
        return new Result(accepted, dH, kept);
    }

    /** Evaluates U and ∇U, then p ← p − c[m]·∇U; returns U. */
    private double[] kick(Potential u, Map<String, Tensor> mom, float[] c) {
        try (Scope sc = Scope.open()) {
            double[] value = u.evaluate();
            for (String name : params.names()) {
                Var p = params.get(name);
                if (p.grad() == null) continue;
                Backend be = p.backend();
                Tensor m = mom.get(name), t = be.empty(m.dtype(), m.shape());
                be.binary(Binary.MUL, p.grad(), perModel(be, c, m.rank()), t);
                be.binary(Binary.SUB, m, t, m);
            }
            params.zeroGrads();
            return value;
        }
    }

    /** w ← w + eps[m]·p. */
    private void drift(Map<String, Tensor> mom, float[] eps) {
        try (Scope sc = Scope.open()) {
            for (String name : params.names()) {
                Var p = params.get(name);
                Backend be = p.backend();
                Tensor m = mom.get(name), t = be.empty(m.dtype(), m.shape());
                be.binary(Binary.MUL, m, perModel(be, eps, m.rank()), t);
                be.binary(Binary.ADD, p.value(), t, p.value());
            }
        }
    }

    /** ‖p‖²/2 per model, summed in double on the host. */
    private static double[] kinetic(Map<String, Tensor> mom, int models) {
        double[] k = new double[models];
        try (Scope sc = Scope.open()) {
            for (Tensor t : mom.values()) {
                float[] h = dev.groklab.backend.Backends.of(t).toHost(t).toFloatArray();
                int per = h.length / models;
                for (int m = 0; m < models; m++) {
                    double s = 0;
                    for (int i = m * per, e = i + per; i < e; i++) s += (double) h[i] * h[i];
                    k[m] += 0.5 * s;
                }
            }
        }
        return k;
    }

    /** A [M, 1, ..., 1] tensor of per-model factors that broadcasts against rank-{@code rank} tensors. */
    static Tensor perModel(Backend be, float[] v, int rank) {
        int[] shape = new int[rank];
        Arrays.fill(shape, 1);
        shape[0] = v.length;
        return be.fromHost(v, shape);
    }
}
