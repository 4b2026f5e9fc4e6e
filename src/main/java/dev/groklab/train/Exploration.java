package dev.groklab.train;

/**
 * Ways to continue from a memorizing checkpoint along the low-loss set (seed 000): where the
 * weights start, extra noise on weights or gradients, a reward for distance from the start
 * (antiregularization), a pull of the weight norm toward a target, and HMC's settings. Every
 * value 0 (or null) means off; {@link #NONE} is a plain run.
 *
 * @param initFrom       "RUN_DIR" (latest checkpoint) or "RUN_DIR@STEP": load its param.* tensors
 * @param weightNoise    std of Gaussian noise added to every weight after each optimizer step
 * @param gradNoise      std of Gaussian noise added to every gradient before the optimizer step
 * @param antireg        λ of the loss term −λ‖w − w_start‖² (w_start: the weights at step 0)
 * @param normTarget     R of the loss term λ_n(‖w‖ − R)²
 * @param normStrength   λ_n of that term
 * @param hmcLeapfrog    leapfrog steps per HMC trajectory (--optimizer hmc)
 * @param hmcStep        leapfrog step size; 0 uses the (scheduled) learning rate of each model
 * @param hmcTemperature HMC temperature T; 0 derives it from the starting loss by equipartition
 */
public record Exploration(String initFrom, double weightNoise, double gradNoise, double antireg,
                          double normTarget, double normStrength, int hmcLeapfrog, double hmcStep, double hmcTemperature) {
    public static final int DEFAULT_LEAPFROG = 10;
    public static final Exploration NONE = new Exploration(null, 0, 0, 0, 0, 0, DEFAULT_LEAPFROG, 0, 0);

    public Exploration {
        if (initFrom != null && initFrom.isBlank()) throw new IllegalArgumentException("--init-from: give RUN_DIR or RUN_DIR@STEP");
        nonNegative("--weight-noise", weightNoise);
        nonNegative("--grad-noise", gradNoise);
        nonNegative("--antireg", antireg);
        nonNegative("--norm-target", normTarget);
        nonNegative("--norm-strength", normStrength);
        nonNegative("--hmc-step", hmcStep);
        nonNegative("--hmc-temperature", hmcTemperature);
        if (hmcLeapfrog < 1) throw new IllegalArgumentException("--hmc-leapfrog must be >= 1, got " + hmcLeapfrog);
        if (normStrength > 0 && normTarget == 0) throw new IllegalArgumentException("--norm-strength needs --norm-target R > 0");
        if (normTarget > 0 && normStrength == 0) throw new IllegalArgumentException("--norm-target needs --norm-strength > 0");
    }

    private static void nonNegative(String option, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException(option + " must be finite and >= 0, got " + v);
    }

    public boolean normPull() { return normStrength > 0; }

    public Exploration withInitFrom(String spec) {
        return new Exploration(spec, weightNoise, gradNoise, antireg, normTarget, normStrength, hmcLeapfrog, hmcStep, hmcTemperature);
    }
}
