package dev.groklab.optim;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.nn.Params;
import dev.groklab.tensor.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * Weight decay settings shared by the optimizers: per-model strength, and where it pulls
 * (toward zero, or toward the initial weights, kept as a copy).
 */
public final class Decay {
    private final float[] weightDecay;
    private final Map<String, Tensor> targets;

    private Decay(float[] weightDecay, Map<String, Tensor> targets) {
        this.weightDecay = weightDecay;
        this.targets = targets;
    }

    public static Decay towardZero(float[] weightDecay) { return new Decay(weightDecay.clone(), null); }

    /** Decay toward the parameters' current values (call before training starts). */
    public static Decay towardInit(float[] weightDecay, Params params) {
        Map<String, Tensor> t = new HashMap<>();
        for (String name : params.names()) {
            Tensor p = params.get(name).value();
            Backend be = Backends.of(p);
            Tensor c = be.empty(p.dtype(), p.shape());
            be.copy(p, c);
            t.put(name, c);
        }
        return new Decay(weightDecay.clone(), t);
    }

    public float[] weightDecay() { return weightDecay.clone(); }

    public boolean towardInit() { return targets != null; }

    /** The decay centre of a parameter, or null for zero. */
    public Tensor target(String name) { return targets == null ? null : targets.get(name); }

    /** Centres as checkpoint state ("decay_target.NAME"). */
    void putState(Map<String, Tensor> state) {
        if (targets != null) targets.forEach((k, v) -> state.put("decay_target." + k, v));
    }

}
