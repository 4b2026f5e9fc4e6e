package dev.groklab.walkers;

/**
 * One step of momentum Langevin dynamics, shared by Brownian motion and seed 000's noisy SGD:
 * <pre>
 *   v ← β·v − (1 − β)·∇U(x)          (v = −∇U when β = 0)
 *   x ← wrap(x + dt·v + σ·ξ),        ξ = walker w's step pair at step s, stream NOISE
 * </pre>
 * Brownian motion (overdamped Langevin, Euler–Maruyama) at temperature T is β = 0 with
 * σ = sqrt(2T·dt); noisy SGD is σ = ε.
 */
public record LangevinStep(PotentialForm form, Domain domain, float dt, float sigma, float beta, int seed) {
    public LangevinStep {
        Validate.positive("--dt", dt);
        Validate.nonNegative("noise scale", sigma);
        if (!(beta >= 0 && beta < 1)) throw new IllegalArgumentException("--beta must be in [0, 1), got " + beta);
    }

    public static LangevinStep brownian(Potential u, Domain domain, float dt, float temperature, int seed) {
        Validate.positive("--temperature", temperature);
        Validate.positive("--dt", dt);
        return new LangevinStep(u.form(), domain, dt, (float) Math.sqrt(2.0 * temperature * dt), 0f, seed);
    }

    public static LangevinStep sgd(Potential u, Domain domain, float dt, float epsilon, float beta, int seed) {
        Validate.nonNegative("--epsilon", epsilon);
        return new LangevinStep(u.form(), domain, dt, epsilon, beta, seed);
    }

    /** −(1 − β), the gradient's weight in the velocity update. */
    float gradWeight() { return -(1 - beta); }
}
