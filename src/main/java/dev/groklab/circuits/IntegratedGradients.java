package dev.groklab.circuits;

import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.backend.Binary;
import dev.groklab.backend.ScalarOp;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;

import java.util.function.Function;

/**
 * Integrated gradients (Sundararajan, Taly and Yan, 2017) of f at x against a baseline x':
 *
 * <pre>  IG_i = (x_i − x'_i) · ∫₀¹ ∂f/∂x_i (x' + α (x − x')) dα</pre>
 *
 * with the integral taken by a K-interval quadrature rule. Completeness: Σ_i IG_i = f(x) − f(x')
 * up to the quadrature error, which vanishes for f linear along the path (then IG = gradient ×
 * (x − x') for any K) and shrinks as O(1/K²) for f smooth along it.
 *
 * <p>f may have many outputs: the backward pass is seeded with ones, so it attributes Σ f. When
 * each output depends on its own rows of x only (one output per example), row r's attributions
 * are those of output r alone.
 */
public final class IntegratedGradients {
    /** The quadrature along the path. */
    public enum Rule {
        /** α_k = (k + ½)/K, weights 1/K: K gradient evaluations. */
        MIDPOINT,
        /** α_k = k/K, k = 0..K, end weights 1/(2K): K + 1 gradient evaluations. */
        TRAPEZOID
    }

    /**
     * @param attribution IG, shaped like x
     * @param atInput     f(x)
     * @param atBaseline  f(x')
     */
    public record Result(Tensor attribution, Tensor atInput, Tensor atBaseline) {}

    private IntegratedGradients() {}

    /**
     * IG of f at x against {@code baseline} (null: zeros). f receives a leaf that requires
     * gradients and must return outputs that depend on it; the results live in the caller's scope.
     */
    public static Result attribute(Function<Var, Var> f, Tensor x, Tensor baseline, int steps, Rule rule) {
        if (steps < 1) throw new IllegalArgumentException("integrated gradients: steps must be >= 1, got " + steps);
        Backend be = Backends.of(x);
        Tensor base = baseline;
        if (base == null) {
            base = be.empty(x.dtype(), x.shape());
            be.fill(base, 0);
        } else if (!base.sameShape(x)) {
            throw new IllegalArgumentException("integrated gradients: baseline and input shapes differ");
        }
        Tensor delta = be.empty(x.dtype(), x.shape());
        be.binary(Binary.SUB, x, base, delta);
        Tensor gradSum = be.empty(x.dtype(), x.shape());
        be.fill(gradSum, 0);
        int points = rule == Rule.MIDPOINT ? steps : steps + 1;
        for (int k = 0; k < points; k++) {
            double alpha = rule == Rule.MIDPOINT ? (k + 0.5) / steps : (double) k / steps;
            double weight = rule == Rule.TRAPEZOID && (k == 0 || k == steps) ? 0.5 / steps : 1.0 / steps;
            try (Scope s = Scope.open()) {
                Tensor point = be.empty(x.dtype(), x.shape());
                be.scalar(ScalarOp.MUL, delta, alpha, point);
                be.binary(Binary.ADD, point, base, point);
                Var leaf = Var.param(point);
                Var out = f.apply(leaf);
                Tensor seed = be.empty(out.value().dtype(), out.shape());
                be.fill(seed, 1);
                out.backward(seed);
                Tensor g = leaf.grad();
                if (g == null) continue;   // f does not depend on x at this point
                be.scalar(ScalarOp.MUL, g, weight, g);
                be.binary(Binary.ADD, gradSum, g, gradSum);
            }
        }
        be.binary(Binary.MUL, gradSum, delta, gradSum);
        Tensor fx, fb;
        try (var ng = dev.groklab.autodiff.Grad.off()) {
            fx = f.apply(Var.constant(x)).value();
            fb = f.apply(Var.constant(base)).value();
        }
        return new Result(gradSum, fx, fb);
    }
}
