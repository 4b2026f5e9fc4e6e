package dev.groklab.walkers;

import java.util.List;

/**
 * A 2-D toy potential U(x). Every potential reduces to one {@link PotentialForm} (valleys through
 * a point plus quadratic terms), so one kernel per dynamics serves them all.
 */
public sealed interface Potential permits Potential.Paraboloid, Potential.Valley, Potential.Crossing,
        Potential.Lines, Potential.Regularized {

    /** Names accepted by {@link #of}. */
    List<String> NAMES = List.of("crossing", "paraboloid", "valley", "lines");

    /** The canonical form the kernels evaluate. */
    PotentialForm form();

    /** U(x0, x1). */
    default double value(double x0, double x1) { return form().value(x0, x1); }

    /** The singular point (where the valleys cross), or the minimum of a regular potential. */
    default double[] singularPoint() {
        PotentialForm f = form();
        return new double[]{f.px(), f.py()};
    }

    /** a·‖x‖²: the regular (Gaussian) case, variance T/(2a) per axis under Gibbs. */
    record Paraboloid(float a) implements Potential {
        public Paraboloid { Validate.positive("--a", a); }
        @Override public PotentialForm form() { return PotentialForm.quadratic(a, 0, 0, 0); }
    }

    /** a·(x0 − b)²: one valley along x1. */
    record Valley(float a, float b) implements Potential {
        public Valley { Validate.positive("--a", a); Validate.finite("--b", b); }
        @Override public PotentialForm form() { return PotentialForm.lines(a, b, 1); }
    }

    /** a·min((x0 − b)², (x1 − b)²): two valleys crossing at (b, b), seed 002's potential. */
    record Crossing(float a, float b) implements Potential {
        public Crossing { Validate.positive("--a", a); Validate.finite("--b", b); }
        @Override public PotentialForm form() { return PotentialForm.lines(a, b, 2); }
    }

    /** a·min_k (n_k·(x − (b, b)))² over D lines through (b, b) at angles kπ/D. */
    record Lines(float a, float b, int d) implements Potential {
        public Lines {
            Validate.positive("--a", a);
            Validate.finite("--b", b);
            if (d < 2 || d > PotentialForm.MAX_LINES) {
                throw new IllegalArgumentException("--lines must be in 2.." + PotentialForm.MAX_LINES + ", got " + d);
            }
        }
        @Override public PotentialForm form() { return PotentialForm.lines(a, b, d); }
    }

    /** base + λ/2·‖x − c‖²: an L2 regularizer centred at c. */
    record Regularized(Potential base, float lambda, float c0, float c1) implements Potential {
        public Regularized {
            if (base instanceof Regularized) throw new IllegalArgumentException("a potential takes one regularizer");
            Validate.nonNegative("--lambda", lambda);
            Validate.finite("--center", c0);
            Validate.finite("--center", c1);
        }
        @Override public PotentialForm form() { return base.form().withL2(lambda, c0, c1); }
    }

    /**
     * The potential called {@code name} (one of {@link #NAMES}) with steepness a, crossing point
     * (b, b), {@code lines} lines (for "lines") and an optional regularizer (λ > 0).
     */
    static Potential of(String name, float a, float b, int lines, float lambda, float c0, float c1) {
        Potential base = switch (name == null ? "" : name) {
            case "crossing" -> new Crossing(a, b);
            case "paraboloid" -> new Paraboloid(a);
            case "valley" -> new Valley(a, b);
            case "lines" -> new Lines(a, b, lines);
            default -> throw new IllegalArgumentException("--potential must be one of "
                    + String.join(", ", NAMES) + ", got '" + name + "'");
        };
        Validate.nonNegative("--lambda", lambda);
        return lambda > 0 ? new Regularized(base, lambda, c0, c1) : base;
    }
}
