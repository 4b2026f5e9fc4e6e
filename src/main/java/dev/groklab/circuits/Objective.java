package dev.groklab.circuits;

import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Tensor;

/** The scalar per example that saliency attributes: a function of the logits and the correct class. */
public enum Objective {
    /**
     * log softmax(logits)[y]: invariant to a shift of all logits, and bounded above by 0, so
     * attributions stay comparable while the logits grow during training.
     */
    LOG_PROB,
    /** The correct class's logit. */
    LOGIT;

    /** The objective of every example and model, [M, B], from logits [M, B, classes]. */
    public Var of(Var logits, Examples ex) {
        if (this == LOG_PROB) return Ops.neg(Ops.crossEntropy(logits, ex.labels()));
        Backend be = logits.backend();
        int b = ex.count(), c = logits.value().dim(-1);
        double[] hot = new double[b * c];
        for (int i = 0; i < b; i++) hot[i * c + ex.hostLabels()[i]] = 1;
        Tensor oneHot;
        if (logits.value().dtype() == DType.F64) {
            oneHot = be.fromHost(hot, b, c);
        } else {
            float[] f = new float[hot.length];
            for (int i = 0; i < f.length; i++) f[i] = (float) hot[i];
            oneHot = be.fromHost(f, b, c);
        }
        return Ops.sum(Ops.mul(logits, Var.constant(oneHot)), false, -1);
    }

    public static Objective parse(String s) {
        return switch (s.toLowerCase().replace('-', '_')) {
            case "log_prob", "logprob" -> LOG_PROB;
            case "logit" -> LOGIT;
            default -> throw new IllegalArgumentException("objective: unknown '" + s + "' (allowed: log-prob, logit)");
        };
    }
}
