package dev.groklab.train;

import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;

/** The training loss, per row: cross-entropy, or MSE against one-hot targets (Omnigrok's MNIST setup). */
public enum Loss {
    CE, MSE;

    public static final String ALLOWED = "ce, mse";

    public static Loss parse(String name) {
        if ("ce".equals(name)) return CE;
        if ("mse".equals(name)) return MSE;
        throw new IllegalArgumentException("--loss: unknown '" + name + "' (allowed: " + ALLOWED + ")");
    }

    /** Per-row loss [M, B] of logits [M, B, C] against the split's labels (or its one-hot targets). */
    public Var perRow(Var logits, Split s) {
        return switch (this) {
            case CE -> Ops.crossEntropy(logits, s.labels());
            case MSE -> {
                if (s.targets() == null) throw new IllegalStateException("mse loss on a split without one-hot targets");
                yield Ops.mse(logits, Var.constant(s.targets()));
            }
        };
    }
}
