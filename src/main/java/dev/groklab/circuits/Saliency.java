package dev.groklab.circuits;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.nn.NeuronAccess;
import dev.groklab.tensor.Scope;

/**
 * Per-neuron saliency of every prediction by integrated gradients over a hidden layer.
 *
 * <p>What is attributed: for example b with label y_b, the objective f_b(h) (the correct class's
 * log-probability, or its logit; see {@link Objective}) as a function of hidden layer l's
 * post-activation vector h, with everything after the layer fixed (the network from h on, frozen
 * weights). Neuron j's saliency on example b is
 *
 * <pre>  S_bj = h_bj · ∫₀¹ ∂f_b/∂h_j (α h_b) dα</pre>
 *
 * (the baseline is h = 0: all neurons of the layer silent), so Σ_j S_bj = f_b(h_b) − f_b(0) up to
 * the quadrature error. A ReLU neuron that is off on an example has S_bj = 0. For a transformer
 * the neurons of every position are attributed jointly and S_bj sums neuron j over positions.
 */
public final class Saliency {
    private Saliency() {}

    /**
     * Per-model, per-example, per-neuron saliencies.
     *
     * @param values     S[m][b][j] flattened as (m·examples + b)·neurons + j
     * @param atInput    f_b(h_b) per (m, b)
     * @param atBaseline f_b(0) per (m, b)
     */
    public record Attributions(int models, int examples, int neurons, float[] values, double[] atInput, double[] atBaseline) {
        public float get(int m, int b, int j) { return values[(m * examples + b) * neurons + j]; }

        /** Σ_j S_bj − (f_b(h) − f_b(0)): zero up to the quadrature error. */
        public double completenessGap(int m, int b) {
            double s = 0;
            for (int j = 0; j < neurons; j++) s += get(m, b, j);
            return s - (atInput[m * examples + b] - atBaseline[m * examples + b]);
        }
    }

    /** Saliencies of hidden layer {@code layer} on {@code ex}, by IG with {@code steps} intervals. */
    public static Attributions compute(NeuronAccess model, Examples ex, int layer, Objective objective,
                                       int steps, IntegratedGradients.Rule rule) {
        try (Scope s = Scope.open()) {
            NeuronAccess.Cut cut = model.cut(ex.ids(), ex.count(), layer);
            Backend be = Backends.of(cut.activation().value());
            IntegratedGradients.Result r = IntegratedGradients.attribute(
                    a -> objective.of(cut.logits(a), ex), cut.activation().value(), null, steps, rule);
            int m = model.models(), b = ex.count(), t = cut.positions(), h = cut.neurons();
            double[] perRow = be.toHost(r.attribution()).toDoubleArray();      // [M, B·T, H]
            float[] v = new float[m * b * h];
            for (int mi = 0; mi < m; mi++) {
                for (int bi = 0; bi < b; bi++) {
                    for (int p = 0; p < t; p++) {
                        int src = ((mi * b + bi) * t + p) * h, dst = (mi * b + bi) * h;
                        for (int j = 0; j < h; j++) v[dst + j] += (float) perRow[src + j];
                    }
                }
            }
            return new Attributions(m, b, h, v, be.toHost(r.atInput()).toDoubleArray(), be.toHost(r.atBaseline()).toDoubleArray());
        }
    }
}
