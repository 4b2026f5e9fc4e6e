package dev.groklab.train;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Binary;
import dev.groklab.nn.Params;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;

import java.util.Arrays;

/**
 * Omnigrok's constrained-norm mode: each model's parameters are kept on the sphere of the total
 * L2 norm they had at the start: after initialization (and α), or as loaded by --init-from. Either
 * is a deterministic function of the configuration, so a resumed run recomputes the targets
 * bit-exactly. Norms are summed in double on the host, which keeps the constraint at float
 * rounding (about 1e-7 relative) whatever the parameter count.
 */
public final class NormConstraint {
    private final double[] target;

    private NormConstraint(double[] target) { this.target = target; }

    /** The current total norms become the targets. */
    public static NormConstraint capture(Backend be, Params params, int models) {
        return new NormConstraint(Norms.totals(be, params, models));
    }

    public double[] targets() { return target.clone(); }

    /** Scales every parameter of model m by target[m] / ‖w_m‖. */
    public void apply(Backend be, Params params) {
        int m = target.length;
        double[] now = Norms.totals(be, params, m);
        float[] factor = new float[m];
        for (int i = 0; i < m; i++) factor[i] = now[i] > 0 ? (float) (target[i] / now[i]) : 1f;
        try (Scope s = Scope.open()) {
            Tensor f = be.fromHost(factor, m);
            for (var v : params.vars()) {
                Tensor w = v.value();
                int[] shape = new int[w.rank()];
                Arrays.fill(shape, 1);
                shape[0] = m;
                be.binary(Binary.MUL, w, f.reshape(shape), w);
            }
        }
    }
}
