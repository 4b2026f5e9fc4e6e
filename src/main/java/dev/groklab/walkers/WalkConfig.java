package dev.groklab.walkers;

import java.util.List;

/**
 * Every resolved option of a walker run. Validation names the command-line option at fault.
 *
 * @param halfWidth   L: the torus [−L, L)², or on the plane the start box and histogram window
 * @param sampleEvery histogram every k steps after burnIn (time average); 0 = final positions only
 * @param leapfrog    HMC leapfrog steps per proposal (dt is the leapfrog step)
 * @param nodes       graph walk: nodes per line
 * @param kernel      "auto", "simd" or "scalar" (Brownian and SGD); see {@link Walk#kernel}
 */
public record WalkConfig(String preset, String dynamics, String potential, int walkers, int steps, float dt,
                         float temperature, float a, float b, float lambda, float[] center, float epsilon,
                         float beta, boolean torus, float halfWidth, int lines, int seed, float radius, int bins,
                         int sampleEvery, int burnIn, int leapfrog, int nodes, String kernel) {
    public static final List<String> KERNELS = List.of("auto", "simd", "scalar");

    public WalkConfig {
        Dynamics d = Dynamics.parse(dynamics);
        Validate.positive("--walkers", walkers);
        Validate.positive("--steps", steps);
        Validate.positive("--dt", dt);
        Validate.positive("--radius", radius);
        Validate.positive(torus ? "--torus" : "--box", halfWidth);
        if (bins < 2 || bins > 4096) throw new IllegalArgumentException("--bins must be in 2..4096, got " + bins);
        if (center == null || center.length != 2) throw new IllegalArgumentException("--center must be two numbers X,Y");
        if (sampleEvery < 0) throw new IllegalArgumentException("--every must be >= 0 (0 = final positions only), got " + sampleEvery);
        if (burnIn < 0 || burnIn >= steps) {
            throw new IllegalArgumentException("--burn-in must be in 0.." + (steps - 1) + " (below --steps), got " + burnIn);
        }
        if (!KERNELS.contains(kernel)) {
            throw new IllegalArgumentException("--kernel must be one of " + String.join("|", KERNELS) + ", got '" + kernel + "'");
        }
        if (d == Dynamics.BROWNIAN || d == Dynamics.HMC) Validate.positive("--temperature", temperature);
        if (d == Dynamics.SGD) {
            Validate.nonNegative("--epsilon", epsilon);
            if (!(beta >= 0 && beta < 1)) throw new IllegalArgumentException("--beta must be in [0, 1), got " + beta);
        }
        if (d == Dynamics.HMC) Validate.positive("--leapfrog", leapfrog);
        if (d == Dynamics.GRAPH) {
            new GraphWalk(lines, nodes, seed);
        } else {
            Potential.of(potential, a, b, lines, lambda, center[0], center[1]);
        }
        center = center.clone();
    }

    /** The same run with another step count (validated like every other value). */
    public WalkConfig withSteps(int newSteps) {
        return new WalkConfig(preset, dynamics, potential, walkers, newSteps, dt, temperature, a, b, lambda, center, epsilon,
                beta, torus, halfWidth, lines, seed, radius, bins, sampleEvery, burnIn, leapfrog, nodes, kernel);
    }

    public Dynamics dynamicsKind() { return Dynamics.parse(dynamics); }

    public Domain domain() { return torus ? Domain.torus(halfWidth) : Domain.plane(halfWidth); }

    /** The potential these options describe. */
    public Potential buildPotential() {
        return Potential.of(potential, a, b, lines, lambda, center[0], center[1]);
    }

    /** The temperature Gibbs is compared at: T, or for noisy SGD the ε²/(2·dt) of the matching Langevin step. */
    public double gibbsTemperature() {
        return dynamicsKind() == Dynamics.SGD ? (double) epsilon * epsilon / (2.0 * dt) : temperature;
    }
}
