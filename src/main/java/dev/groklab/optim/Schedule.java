package dev.groklab.optim;

/**
 * Learning-rate multipliers by step (1-based): linear warmup, then constant or cosine, and an
 * optional jump ("multiply by k from step n on", seed 001's experiment).
 */
public record Schedule(String shape, int warmup, int totalSteps, double jumpFactor, int jumpStep) {
    public Schedule {
        if (!shape.equals("constant") && !shape.equals("cosine")) {
            throw new IllegalArgumentException("--schedule: unknown '" + shape + "' (allowed: constant, cosine)");
        }
        if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
        if (jumpFactor <= 0) throw new IllegalArgumentException("--lr-jump factor must be > 0, got " + jumpFactor);
    }

    public static Schedule constant(int warmup) { return new Schedule("constant", warmup, 0, 1, 0); }

    public double factor(int step) {
        double f = 1;
        if (warmup > 0 && step <= warmup) f = (double) step / warmup;
        else if (shape.equals("cosine") && totalSteps > warmup) {
            double t = (double) (step - warmup) / (totalSteps - warmup);
            f = 0.5 * (1 + Math.cos(Math.PI * Math.min(1, t)));
        }
        if (jumpStep > 0 && step > jumpStep) f *= jumpFactor;
        return f;
    }

    public float[] apply(float[] base, int step) {
        float[] out = new float[base.length];
        double f = factor(step);
        for (int i = 0; i < base.length; i++) out[i] = (float) (base[i] * f);
        return out;
    }
}
