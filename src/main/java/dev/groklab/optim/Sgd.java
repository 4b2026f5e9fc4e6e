package dev.groklab.optim;

import dev.groklab.backend.Backend;
import dev.groklab.backend.SgdStep;
import dev.groklab.nn.Params;
import dev.groklab.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** SGD with optional (Nesterov) momentum and L2 decay: one fused step over all parameters (one launch on CUDA). */
public final class Sgd implements Optimizer {
    private final float momentum;
    private final boolean nesterov;
    private final Decay decay;
    private final Map<String, Tensor> buf = new LinkedHashMap<>();

    public Sgd(Params params, float momentum, boolean nesterov, Decay decay) {
        if (nesterov && momentum <= 0) throw new IllegalArgumentException("--nesterov needs --momentum > 0");
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.decay = decay;
        if (momentum != 0) {
            for (String name : params.names()) {
                Tensor p = params.get(name).value();
                Backend be = params.get(name).backend();
                Tensor b = be.empty(p.dtype(), p.shape());
                be.fill(b, 0);
                buf.put(name, b);
            }
        }
    }

    @Override public void step(Params params, int step, float[] lr) {
        SgdStep h = new SgdStep(lr, decay.weightDecay(), momentum, 0f, nesterov, step);
        Map<Backend, List<SgdStep.Slot>> byBackend = new LinkedHashMap<>();
        for (String name : params.names()) {
            var p = params.get(name);
            if (p.grad() == null) continue;
            byBackend.computeIfAbsent(p.backend(), k -> new ArrayList<>())
                    .add(new SgdStep.Slot(p.value(), p.grad(), buf.get(name), decay.target(name)));
        }
        byBackend.forEach((be, slots) -> be.sgd(slots, h));
    }

    @Override public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        buf.forEach((k, t) -> s.put("momentum." + k, t));
        decay.putState(s);
        return s;
    }
}
