package dev.groklab.optim;

import dev.groklab.backend.AdamStep;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Binary;
import dev.groklab.nn.Params;
import dev.groklab.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam with weight decay: decoupled (AdamW, Loshchilov &amp; Hutter) through the fused kernel, or
 * coupled as an L2 term added to the gradient (classic Adam + L2). With decay 0 both are Adam.
 */
public final class AdamW implements Optimizer {
    private final float beta1, beta2, eps;
    private final Decay decay;
    private final boolean coupled;
    private final Map<String, Tensor> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();

    /** Allocates the moments now, in the caller's (long-lived) scope. */
    public AdamW(Params params, float beta1, float beta2, float eps, Decay decay, boolean coupled) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.decay = decay;
        this.coupled = coupled;
        for (String name : params.names()) {
            Tensor p = params.get(name).value();
            Backend be = params.get(name).backend();
            Tensor mt = be.empty(p.dtype(), p.shape()), vt = be.empty(p.dtype(), p.shape());
            be.fill(mt, 0);
            be.fill(vt, 0);
            m.put(name, mt);
            v.put(name, vt);
        }
    }

    @Override public void step(Params params, int step, float[] lr) {
        float[] wd = decay.weightDecay();
        float[] kernelWd = coupled ? new float[wd.length] : wd;
        AdamStep h = new AdamStep(lr, kernelWd, beta1, beta2, eps, step);
        Map<Backend, List<AdamStep.Slot>> byBackend = new LinkedHashMap<>();
        for (String name : params.names()) {
            var p = params.get(name);
            Tensor g = p.grad();
            if (g == null) continue;
            Backend be = p.backend();
            if (coupled) L2.addTo(be, g, p.value(), decay.target(name), wd);
            byBackend.computeIfAbsent(be, k -> new ArrayList<>())
                    .add(new AdamStep.Slot(p.value(), g, m.get(name), v.get(name), coupled ? null : decay.target(name)));
        }
        byBackend.forEach((be, slots) -> be.adamw(slots, h));
    }

    @Override public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        m.forEach((k, t) -> s.put("adam_m." + k, t));
        v.forEach((k, t) -> s.put("adam_v." + k, t));
        decay.putState(s);
        return s;
    }

    /** g += wd[m] · (p − target) per model, for coupled (L2) decay. */
    static final class L2 {
        private L2() {}

        static void addTo(Backend be, Tensor g, Tensor p, Tensor target, float[] wd) {
            boolean any = false;
            for (float w : wd) any |= w != 0;
            if (!any) return;
            int[] shape = new int[p.rank()];
            java.util.Arrays.fill(shape, 1);
            shape[0] = wd.length;
            Tensor wdT = be.fromHost(wd, shape);
            Tensor d = be.empty(p.dtype(), p.shape());
            if (target == null) be.copy(p, d); else be.binary(Binary.SUB, p, target, d);
            be.binary(Binary.MUL, d, wdT, d);
            be.binary(Binary.ADD, g, d, g);
        }
    }
}
