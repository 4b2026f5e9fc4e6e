package dev.groklab.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The binary-operation tasks of Power et al. (2022), "Grokking: generalization beyond overfitting
 * on small algorithmic datasets". Arithmetic tasks are modulo p; the S5 tasks act on the 120
 * permutations of five elements (see {@link S5}).
 */
public enum Task {
    ADD("add", "x+y"),
    SUB("sub", "x-y"),
    DIV("div", "x/y"),
    MUL("mul", "x*y"),
    X2_Y2("x2+y2", "x^2+y^2"),
    X2_XY_Y2("x2+xy+y2", "x^2+xy+y^2"),
    X2_XY_Y2_X("x2+xy+y2+x", "x^2+xy+y^2+x"),
    X3_XY("x3+xy", "x^3+xy"),
    X3_XY2_Y("x3+xy2+y", "x^3+xy^2+y"),
    DIV_OR_SUB("div-or-sub", "x/y if y is odd, else x-y"),
    S5("s5", "x∘y"),
    S5_CONJ("s5-conj", "x∘y∘x⁻¹"),
    S5_XYX("s5-xyx", "x∘y∘x");

    private final String cliName;
    private final String formula;

    Task(String cliName, String formula) {
        this.cliName = cliName;
        this.formula = formula;
    }

    /** The name used on the command line and in run configurations. */
    public String cliName() { return cliName; }

    /** A human-readable description of the operation. */
    public String formula() { return formula; }

    /** True when the task divides, so p must be prime for every y ≠ 0 to have an inverse. */
    public boolean needsField() { return this == DIV || this == DIV_OR_SUB; }

    /** True for the S5 tasks, whose elements are permutations rather than residues mod p. */
    public boolean isPermutation() { return this == S5 || this == S5_CONJ || this == S5_XYX; }

    /** Number of elements (and classes): 120 for S5 tasks, else p. */
    public int elementCount(int p) { return isPermutation() ? dev.groklab.data.S5.ORDER : p; }

    /** Rows of the full table: n·(n−1) for {@code div} (y ≠ 0), n² otherwise. */
    public long rowCount(int p) {
        long n = elementCount(p);
        return this == DIV ? n * (n - 1) : n * n;
    }

    /**
     * The label of equation (x, y). For {@code div} and for odd y in {@code div-or-sub}, y must be
     * non-zero and p prime; {@code inverse} may be null (computed by Fermat) or a table of inverses
     * mod p.
     */
    public int apply(int x, int y, int p, int[] inverse) {
        long a = x, b = y, m = p;
        return switch (this) {
            case ADD -> (int) ((a + b) % m);
            case SUB -> (int) Math.floorMod(a - b, m);
            case MUL -> (int) (a * b % m);
            case DIV -> (int) (a * inv(y, p, inverse) % m);
            case X2_Y2 -> (int) ((a * a % m + b * b % m) % m);
            case X2_XY_Y2 -> (int) ((a * a % m + a * b % m + b * b % m) % m);
            case X2_XY_Y2_X -> (int) ((a * a % m + a * b % m + b * b % m + a) % m);
            case X3_XY -> (int) ((a * a % m * a % m + a * b % m) % m);
            case X3_XY2_Y -> (int) ((a * a % m * a % m + a * (b * b % m) % m + b) % m);
            case DIV_OR_SUB -> (y & 1) == 1 ? (int) (a * inv(y, p, inverse) % m) : (int) Math.floorMod(a - b, m);
            case S5 -> dev.groklab.data.S5.compose(x, y);
            case S5_CONJ -> dev.groklab.data.S5.compose(dev.groklab.data.S5.compose(x, y), dev.groklab.data.S5.inverse(x));
            case S5_XYX -> dev.groklab.data.S5.compose(dev.groklab.data.S5.compose(x, y), x);
        };
    }

    private static long inv(int y, int p, int[] inverse) {
        if (y == 0) throw new ArithmeticException("division by zero mod " + p);
        return inverse != null ? inverse[y] : modPow(y, p - 2, p);
    }

    /** b^e mod m for m < 2^31 (Fermat inverse when e = m − 2 and m is prime). */
    public static long modPow(long b, long e, long m) {
        long r = 1 % m;
        b %= m;
        while (e > 0) {
            if ((e & 1) == 1) r = r * b % m;
            b = b * b % m;
            e >>= 1;
        }
        return r;
    }

    /** Parses a CLI name (case-insensitive, surrounding spaces ignored). */
    public static Task parse(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("task is missing; valid tasks: " + validNames());
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Task t : values()) if (t.cliName.equals(n)) return t;
        throw new IllegalArgumentException("unknown task '" + name.trim() + "'; valid tasks: " + validNames());
    }

    /** Every CLI name, comma-separated, in declaration order. */
    public static String validNames() {
        return Arrays.stream(values()).map(Task::cliName).collect(Collectors.joining(", "));
    }

    @Override public String toString() { return cliName; }
}
