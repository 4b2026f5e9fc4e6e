package dev.groklab.train;

import dev.groklab.autodiff.Grad;
import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.nn.Params;
import dev.groklab.optim.HmcSampler;
import dev.groklab.optim.ParamNoise;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The low-loss-set methods of one run ({@link Exploration}): extra loss terms, noise on
 * gradients and weights, and HMC steps, with the state they need checkpointed (the starting
 * weights, HMC's temperature and acceptance counts) so that a resumed run is bit-exact.
 */
final class LowLossMethods {
    static final String HMC = "hmc";
    /** metrics.csv columns of HMC: acceptance over the last evaluation window, and since step 0. */
    static final String ACCEPT = "hmc_accept", ACCEPT_TOTAL = "hmc_accept_total", TEMPERATURE = "hmc_temperature";

    private final Backend be;
    private final TrainConfig cfg;
    private final Exploration e;
    private final Params params;
    private final int models;
    private final List<Tensor> start = new ArrayList<>();
    private final HmcSampler hmc;
    /** HMC temperature per model; 0 until derived from the starting loss. */
    private final float[] temperature;
    /** Per model: accepted and proposed since step 0, accepted and proposed in the current window. */
    private final float[][] counts;
    private final Tensor temperatureState, countState;

    LowLossMethods(Backend be, TrainConfig cfg, Params params) {
        this.be = be;
        this.cfg = cfg;
        this.e = cfg.explore();
        this.params = params;
        this.models = cfg.models();
        if (e.antireg() > 0) {
            for (Var p : params.vars()) {
                Tensor c = be.empty(p.value().dtype(), p.value().shape());
                be.copy(p.value(), c);
                start.add(c);
            }
        }
        if (isHmc()) {
            if (e.gradNoise() > 0) throw new IllegalArgumentException("--grad-noise does not apply to --optimizer hmc (it has no optimizer step)");
            this.hmc = new HmcSampler(params, cfg.seeds(), e.hmcLeapfrog());
            this.temperature = new float[models];
            java.util.Arrays.fill(temperature, (float) e.hmcTemperature());
            this.counts = new float[models][4];
            this.temperatureState = be.empty(DType.F32, models);
            this.countState = be.empty(DType.F32, models, 4);
        } else {
            this.hmc = null;
            this.temperature = null;
            this.counts = null;
            this.temperatureState = null;
            this.countState = null;
        }
    }

    boolean isHmc() { return HMC.equals(cfg.optimizer()); }

    /** The metrics.csv columns these methods add. */
    static List<String> columns(TrainConfig cfg) {
        return HMC.equals(cfg.optimizer()) ? List.of(ACCEPT, ACCEPT_TOTAL, TEMPERATURE) : List.of();
    }

    /** The training objective per model: the loss plus the antiregularization and norm-pull terms. */
    Var objective(Var perModelLoss) {
        Var out = perModelLoss;
        if (e.antireg() > 0) out = Ops.add(out, LowLossTerms.antireg(params.vars(), start, e.antireg()));
        if (e.normPull()) out = Ops.add(out, LowLossTerms.normPull(params.vars(), e.normTarget(), e.normStrength()));
        return out;
    }

    /** After the backward pass, before the optimizer: gradient noise. */
    void afterBackward(int step) {
        if (e.gradNoise() > 0) ParamNoise.addToGradients(params, cfg.seeds(), ParamNoise.GRAD_STREAM, step, e.gradNoise());
    }

    /** After the optimizer (or HMC) step: weight noise. */
    void afterUpdate(int step) {
        if (e.weightNoise() > 0) ParamNoise.addToWeights(params, cfg.seeds(), ParamNoise.WEIGHT_STREAM, step, e.weightNoise());
    }

    /**
     * One HMC trajectory over the n training examples. {@code fullBatchLoss} gives the per-model mean cross-entropy [M] on the
     * whole training set, recorded on the tape. The potential is
     * U(w) = N_train · (loss(w) + terms(w) + wd/2·‖w‖²) / T, with unit-mass momenta.
     *
     * <p>Temperature (unless --hmc-temperature is given): near a minimum the loss is quadratic
     * in d = parameters-per-model directions, so under exp(−N·loss/T) equipartition gives
     * ⟨N·(loss − loss_min)⟩ = d·T/2. Taking loss_min = 0 (a memorizing model can drive the
     * cross-entropy to zero) and asking that the chain's average loss equal the starting loss
     * L0 gives T = 2·N·L0/d. It is derived once, from the full-batch loss at this run's start,
     * and checkpointed.
     */
    void hmcStep(int step, float[] lr, int n, Supplier<Var> fullBatchLoss) {
        if (temperature[0] == 0) deriveTemperature(n, fullBatchLoss);
        float[] coef = new float[models], halfWd = new float[models];
        for (int m = 0; m < models; m++) {
            coef[m] = (float) (n / (double) temperature[m]);
            halfWd[m] = 0.5f * cfg.weightDecay()[m];
        }
        boolean anyWd = false;
        for (float w : halfWd) anyWd |= w != 0;
        boolean wd = anyWd;
        float[] eps = new float[models];
        for (int m = 0; m < models; m++) eps[m] = e.hmcStep() > 0 ? (float) e.hmcStep() : lr[m];
        HmcSampler.Result r = hmc.step(() -> {
            Var obj = objective(fullBatchLoss.get());
            if (wd) obj = Ops.add(obj, LowLossTerms.l2(params.vars(), be.fromHost(halfWd, models)));
            Var u = Ops.mul(obj, Var.constant(be.fromHost(coef, models)));
            Ops.sumAll(u).backward();
            float[] h = be.toHost(u.value()).toFloatArray();
            double[] out = new double[models];
            for (int m = 0; m < models; m++) out[m] = h[m];
            return out;
        }, step, eps);
        for (int m = 0; m < models; m++) {
            float a = r.accepted()[m] ? 1 : 0;
            counts[m][0] += a;
            counts[m][1] += 1;
            counts[m][2] += a;
            counts[m][3] += 1;
        }
    }

    private void deriveTemperature(int n, Supplier<Var> fullBatchLoss) {
        float[] l0;
        try (var ng = Grad.off(); Scope sc = Scope.open()) {
            l0 = be.toHost(fullBatchLoss.get().value()).toFloatArray();
        }
        double d = params.countPerModel();
        for (int m = 0; m < models; m++) {
            double t = 2.0 * n * l0[m] / d;
            if (!(t > 0) || Double.isInfinite(t)) {
                throw new IllegalStateException("--optimizer hmc: the starting loss of model " + m + " is " + l0[m]
                        + ", so equipartition gives no temperature; set --hmc-temperature");
            }
            temperature[m] = (float) t;
        }
    }

    /** Per-model values for this evaluation's metrics row; starts a new acceptance window. */
    Map<String, double[]> metrics() {
        Map<String, double[]> out = new LinkedHashMap<>();
        if (!isHmc()) return out;
        double[] window = new double[models], total = new double[models], temp = new double[models];
        for (int m = 0; m < models; m++) {
            window[m] = counts[m][3] == 0 ? Double.NaN : counts[m][2] / (double) counts[m][3];
            total[m] = counts[m][1] == 0 ? Double.NaN : counts[m][0] / (double) counts[m][1];
            temp[m] = temperature[m] == 0 ? Double.NaN : temperature[m];
            counts[m][2] = 0;
            counts[m][3] = 0;
        }
        out.put(ACCEPT, window);
        out.put(ACCEPT_TOTAL, total);
        out.put(TEMPERATURE, temp);
        return out;
    }

    /** The HMC temperature per model (0 before the first step derives it), for reports. */
    float[] temperature() { return temperature == null ? null : temperature.clone(); }

    /** Adds this state to a checkpoint's tensors (refreshing the device copies of host counters). */
    void putState(Map<String, Tensor> state) {
        List<String> names = params.names();
        for (int i = 0; i < start.size(); i++) state.put("explore_start." + names.get(i), start.get(i));
        if (isHmc()) {
            float[] flat = new float[models * 4];
            for (int m = 0; m < models; m++) System.arraycopy(counts[m], 0, flat, 4 * m, 4);
            try (Scope sc = Scope.open()) {
                be.copy(be.fromHost(temperature, models), temperatureState);
                be.copy(be.fromHost(flat, models, 4), countState);
            }
            state.put("hmc.temperature", temperatureState);
            state.put("hmc.counts", countState);
        }
    }

    /** Reads the host counters back after a restore wrote the checkpoint into the state tensors. */
    void restored() {
        if (!isHmc()) return;
        try (Scope sc = Scope.open()) {
            float[] t = be.toHost(temperatureState).toFloatArray(), c = be.toHost(countState).toFloatArray();
            System.arraycopy(t, 0, temperature, 0, models);
            for (int m = 0; m < models; m++) System.arraycopy(c, 4 * m, counts[m], 0, 4);
        }
    }
}
