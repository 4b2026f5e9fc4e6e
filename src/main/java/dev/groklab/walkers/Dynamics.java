package dev.groklab.walkers;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The walker dynamics a run can use. */
public enum Dynamics {
    /** Overdamped Langevin at temperature T (Euler–Maruyama). */
    BROWNIAN,
    /** Seed 000's gradient descent with momentum β and Gaussian noise ε after each step. */
    SGD,
    /** Hamiltonian Monte Carlo at temperature T. */
    HMC,
    /** Simple random walk on D lines crossing at one node. */
    GRAPH;

    public String label() { return name().toLowerCase(Locale.ROOT); }

    /** Whether steps go through a {@link LangevinKernel} (and so can run on a device kernel). */
    public boolean usesLangevinKernel() { return this == BROWNIAN || this == SGD; }

    /** The labels of the dynamics that use a {@link LangevinKernel}, e.g. "brownian and sgd". */
    public static String langevinLabels() {
        return Arrays.stream(values()).filter(Dynamics::usesLangevinKernel).map(Dynamics::label).collect(Collectors.joining(" and "));
    }

    public static String allowed() {
        return Arrays.stream(values()).map(Dynamics::label).collect(Collectors.joining("|"));
    }

    public static Dynamics parse(String s) {
        for (Dynamics d : values()) if (d.label().equals(s)) return d;
        throw new IllegalArgumentException("--dynamics must be one of " + allowed() + ", got '" + s + "'");
    }
}
