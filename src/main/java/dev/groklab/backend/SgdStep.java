package dev.groklab.backend;

import dev.groklab.tensor.Tensor;

/**
 * Hyper-parameters of one fused SGD step over a parameter with a leading model axis: L2 decay
 * coupled into the gradient (g + wd·(p − decayTarget)), momentum buffer
 * buf ← μ·buf + (1 − dampening)·g (buf ← g on the first step), Nesterov look-ahead optional.
 */
public record SgdStep(float[] lr, float[] weightDecay, float momentum, float dampening, boolean nesterov, int step) {
    public SgdStep {
        if (lr.length != weightDecay.length) throw new IllegalArgumentException("sgd: lr and weight decay differ in model count");
        if (step < 1) throw new IllegalArgumentException("sgd: step must be >= 1, got " + step);
    }

    /** One parameter's tensors in a step over many ({@link Backend#sgd(java.util.List, SgdStep)}); buf may be null without momentum. */
    public record Slot(Tensor p, Tensor g, Tensor buf, Tensor decayTarget) {}

    public int models() { return lr.length; }
}
