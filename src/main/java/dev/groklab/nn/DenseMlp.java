package dev.groklab.nn;

import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * An MLP ensemble on dense F32 features [B, inputs] (flattened images): linear layers of the
 * given hidden widths with the activation between them, then a linear readout. Weights and
 * biases start as PyTorch's {@code nn.Linear} does, U(−1/√fan_in, 1/√fan_in), which is the
 * "standard initialization" Omnigrok multiplies by α.
 */
public final class DenseMlp implements Model {
    private final int[] hidden;
    private final Activation act;
    private final boolean biases;
    private final int models;
    private final Params params = new Params();

    public DenseMlp(Backend be, int inputs, int classes, int[] hidden, Activation act, boolean biases, long[] seeds) {
        MlpConfig.checkHidden(hidden);
        this.hidden = hidden.clone();
        this.act = act;
        this.biases = biases;
        this.models = seeds.length;
        int prev = inputs;
        for (int l = 0; l <= hidden.length; l++) {
            int out = l < hidden.length ? hidden[l] : classes;
            double bound = 1 / Math.sqrt(prev);
            params.add("layers." + l + ".W", Init.uniform(be, seeds, "layers." + l + ".W", bound, prev, out));
            if (biases) params.add("layers." + l + ".b", Init.uniform(be, seeds, "layers." + l + ".b", bound, 1, out));
            prev = out;
        }
    }

    @Override public Params params() { return params; }

    @Override public int models() { return models; }

    @Override public List<String> layerPrefixes() {
        List<String> l = new ArrayList<>();
        for (int i = 0; i <= hidden.length; i++) l.add("layers." + i + ".");
        return l;
    }

    /** {@code features}: F32 [batch, inputs], shared by all models. */
    @Override public Var logits(Tensor features, int batch, boolean training, long step) {
        Var x = Var.constant(features);
        for (int l = 0; l <= hidden.length; l++) {
            Var y = Ops.matmul(x, params.get("layers." + l + ".W"));
            if (biases) y = Ops.add(y, params.get("layers." + l + ".b"));
            x = l < hidden.length ? act.apply(y) : y;
        }
        return x;
    }
}
