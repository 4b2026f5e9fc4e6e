package dev.groklab.nn;

/**
 * An MLP over a pair of tokens. {@code embed > 0}: each token has a learned embedding of that
 * width and the two are concatenated (devinterp's grokking model); {@code embed == 0}: the
 * input is one-hot(x) ⊕ one-hot(y), whose first layer is a row lookup and a sum.
 */
public record MlpConfig(int vocab, int seqLen, int classes, int embed, int[] hidden, Activation act, boolean biases) {
    public MlpConfig {
        checkHidden(hidden);
        if (embed < 0) throw new IllegalArgumentException("--embed must be >= 0, got " + embed);
    }

    /** The --hidden rule every MLP shares: at least one layer, widths >= 1. */
    public static void checkHidden(int[] hidden) {
        if (hidden.length == 0) throw new IllegalArgumentException("--hidden needs at least one layer width");
        for (int w : hidden) if (w < 1) throw new IllegalArgumentException("--hidden widths must be >= 1, got " + w);
    }
}
