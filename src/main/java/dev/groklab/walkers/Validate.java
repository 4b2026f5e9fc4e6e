package dev.groklab.walkers;

/** One-line IllegalArgumentException messages that name the option and what it accepts. */
final class Validate {
    private Validate() {}

    static void positive(String option, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(option + " must be a finite number > 0, got " + v);
        }
    }

    static void nonNegative(String option, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(option + " must be a finite number >= 0, got " + v);
        }
    }

    static void finite(String option, double v) {
        if (!Double.isFinite(v)) throw new IllegalArgumentException(option + " must be a finite number, got " + v);
    }

    static void positive(String option, long v) {
        if (v <= 0) throw new IllegalArgumentException(option + " must be an integer > 0, got " + v);
    }

    static void range(String option, double v, double lo, double hi) {
        if (!(v >= lo && v <= hi)) {
            throw new IllegalArgumentException(option + " must be in [" + lo + ", " + hi + "], got " + v);
        }
    }
}
