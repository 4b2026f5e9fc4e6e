package dev.groklab.train;

import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.nn.Params;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;

import java.util.List;

/** L2 norms per model: of all weights, of each layer group, and of the gradients. */
public final class Norms {
    private Norms() {}

    /** Sum of squares per model of one tensor with a leading model axis. */
    static double[] squares(Backend be, Tensor t, int models) {
        double[] s = new double[models];
        try (Scope sc = Scope.open()) {
            float[] h = be.toHost(t).toFloatArray();
            int per = h.length / models;
            for (int m = 0; m < models; m++) {
                double acc = 0;
                for (int i = m * per, e = i + per; i < e; i++) acc += (double) h[i] * h[i];
                s[m] = acc;
            }
        }
        return s;
    }

    /** norms[g][m]: group g (prefix list; the last row is the total), model m. */
    public static double[][] weights(Backend be, Params params, List<String> prefixes, int models) {
        double[][] out = new double[prefixes.size() + 1][models];
        for (String name : params.names()) {
            double[] s = squares(be, params.get(name).value(), models);
            for (int g = 0; g < prefixes.size(); g++) {
                if (name.startsWith(prefixes.get(g))) for (int m = 0; m < models; m++) out[g][m] += s[m];
            }
            for (int m = 0; m < models; m++) out[prefixes.size()][m] += s[m];
        }
        for (double[] row : out) for (int m = 0; m < models; m++) row[m] = Math.sqrt(row[m]);
        return out;
    }

    /** Total L2 norm of all parameters, per model. */
    public static double[] totals(Backend be, Params params, int models) {
        double[] out = new double[models];
        for (Var v : params.vars()) {
            double[] s = squares(be, v.value(), models);
            for (int m = 0; m < models; m++) out[m] += s[m];
        }
        for (int m = 0; m < models; m++) out[m] = Math.sqrt(out[m]);
        return out;
    }

    public static double[] gradients(Backend be, Params params, int models) {
        double[] out = new double[models];
        for (Var v : params.vars()) {
            if (v.grad() == null) continue;
            double[] s = squares(be, v.grad(), models);
            for (int m = 0; m < models; m++) out[m] += s[m];
        }
        for (int m = 0; m < models; m++) out[m] = Math.sqrt(out[m]);
        return out;
    }
}
