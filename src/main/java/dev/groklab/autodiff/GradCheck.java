package dev.groklab.autodiff;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Tensor;

import java.util.Random;
import java.util.function.Function;

/**
 * Compares back-propagated gradients with central finite differences in float64. The scalar
 * probed is L = Σ w ⊙ f(x) with fixed random weights w, so every output element matters.
 */
public final class GradCheck {
    private GradCheck() {}

    /** Result of one check: the worst error relative to the largest gradient. */
    public record Result(double relativeError, int input, int element, double analytic, double numeric) {}

    public static Result check(Function<Var[], Var> f, long seed, Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t.dtype() != DType.F64) throw new IllegalArgumentException("gradcheck: inputs must be F64, got " + t.dtype());
        }
        Backend be = Backends.of(inputs[0]);
        Var[] params = new Var[inputs.length];
        for (int i = 0; i < inputs.length; i++) params[i] = Var.param(inputs[i]);
        Var out = f.apply(params);
        Random r = new Random(seed);
        double[] w = new double[out.value().numel()];
        for (int i = 0; i < w.length; i++) w[i] = r.nextGaussian();
        out.backward(be.fromHost(w, out.shape()));

        double h = 1e-6, worst = 0, scale = 1e-12;
        int wi = -1, we = -1;
        double wa = 0, wn = 0;
        double[][] analytic = new double[inputs.length][];
        double[][] numeric = new double[inputs.length][];
        for (int i = 0; i < inputs.length; i++) {
            Tensor x = inputs[i];
            analytic[i] = params[i].grad() == null ? new double[x.numel()] : params[i].grad().toDoubleArray();
            numeric[i] = new double[x.numel()];
            for (int e = 0; e < x.numel(); e++) {
                double orig = x.getDouble(e);
                x.setDouble(e, orig + h);
                double up = probe(f, inputs, w);
                x.setDouble(e, orig - h);
                double down = probe(f, inputs, w);
                x.setDouble(e, orig);
                numeric[i][e] = (up - down) / (2 * h);
                scale = Math.max(scale, Math.abs(numeric[i][e]));
            }
        }
        for (int i = 0; i < inputs.length; i++) {
            for (int e = 0; e < numeric[i].length; e++) {
                double err = Math.abs(analytic[i][e] - numeric[i][e]);
                if (err > worst) { worst = err; wi = i; we = e; wa = analytic[i][e]; wn = numeric[i][e]; }
            }
        }
        return new Result(worst / scale, wi, we, wa, wn);
    }

    private static double probe(Function<Var[], Var> f, Tensor[] inputs, double[] w) {
        try (var ng = Grad.off()) {
            Var[] cs = new Var[inputs.length];
            for (int i = 0; i < inputs.length; i++) cs[i] = Var.constant(inputs[i]);
            Tensor y = f.apply(cs).value();
            double s = 0;
            for (int i = 0; i < w.length; i++) s += w[i] * y.getDouble(i);
            return s;
        }
    }
}
