package dev.groklab.train;

import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;
import dev.groklab.tensor.Tensor;

import java.util.List;

/**
 * Loss terms that move a model along (or off) its low-loss set, each one value per model [M]
 * built from differentiable ops, so every backend computes them and their gradients.
 */
public final class LowLossTerms {
    private LowLossTerms() {}

    /** Σ of squares over every axis but the leading model axis: [M]. */
    static Var sumSquares(Var x) {
        Var sq = Ops.square(x);
        int rank = x.value().rank();
        if (rank == 1) return sq;
        int[] axes = new int[rank - 1];
        for (int i = 1; i < rank; i++) axes[i - 1] = i;
        return Ops.sum(sq, false, axes);
    }

    private static Var total(List<Var> parts) {
        Var t = parts.get(0);
        for (int i = 1; i < parts.size(); i++) t = Ops.add(t, parts.get(i));
        return t;
    }

    /** ‖w‖² per model over all the given parameters. */
    public static Var squaredNorm(List<Var> params) {
        return total(params.stream().map(LowLossTerms::sumSquares).toList());
    }

    /**
     * Antiregularization −λ‖w − w_start‖² per model: a reward for distance from the starting
     * weights (its gradient −2λ(w − w_start) points away from them).
     */
    public static Var antireg(List<Var> params, List<Tensor> start, double lambda) {
        if (params.size() != start.size()) throw new IllegalArgumentException("antireg: " + params.size() + " parameters, " + start.size() + " starts");
        Var[] d = new Var[params.size()];
        for (int i = 0; i < d.length; i++) d[i] = sumSquares(Ops.sub(params.get(i), Var.constant(start.get(i))));
        return Ops.mulScalar(total(List.of(d)), -lambda);
    }

    /** λ(‖w‖ − R)² per model: pulls the total weight norm toward R. */
    public static Var normPull(List<Var> params, double target, double lambda) {
        Var norm = Ops.sqrt(squaredNorm(params));
        return Ops.mulScalar(Ops.square(Ops.addScalar(norm, -target)), lambda);
    }

    /** (wd[m]/2)·‖w‖² per model: weight decay as a potential (for HMC, which has no decoupled decay). */
    public static Var l2(List<Var> params, Tensor halfWd) {
        return Ops.mul(squaredNorm(params), Var.constant(halfWd));
    }
}
