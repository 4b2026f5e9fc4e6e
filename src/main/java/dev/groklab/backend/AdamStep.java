package dev.groklab.backend;

import dev.groklab.tensor.Tensor;

/**
 * Hyper-parameters of one fused Adam/AdamW update over a parameter with a leading model axis of
 * size {@code lr.length}: model m uses {@code lr[m]} and {@code weightDecay[m]} (ensembles sweep
 * them). Decoupled decay (AdamW) shrinks p by lr·wd·(p − decayTarget) before the Adam step;
 * {@code step} is 1-based and sets the bias corrections.
 */
public record AdamStep(float[] lr, float[] weightDecay, float beta1, float beta2, float eps, int step) {
    public AdamStep {
        if (lr.length != weightDecay.length) throw new IllegalArgumentException("adamw: lr and weight decay differ in model count");
        if (step < 1) throw new IllegalArgumentException("adamw: step must be >= 1, got " + step);
    }

    /** One parameter's tensors in a step over many ({@link Backend#adamw(java.util.List, AdamStep)}). */
    public record Slot(Tensor p, Tensor g, Tensor m, Tensor v, Tensor decayTarget) {}

    public int models() { return lr.length; }

    public float biasCorrection1() { return (float) (1 - Math.pow(beta1, step)); }

    public float biasCorrection2() { return (float) (1 - Math.pow(beta2, step)); }
}
