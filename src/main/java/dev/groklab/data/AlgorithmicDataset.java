package dev.groklab.data;

import java.util.Arrays;
import java.util.Locale;

/**
 * The full equation table of one {@link Task}, generated once in a canonical order and split once
 * into train and test rows.
 *
 * <p>Tokens 0..n−1 are the elements (residues mod p, or S5 permutation indices), token n is the
 * operation and n+1 is "=". A row is [x, y, =] (seqLen 3) or [x, op, y, =] (seqLen 4); the label
 * is the result, one of n classes. Canonical order: x (outer) and y (inner) ascending over all
 * pairs, skipping y = 0 for {@code div}; for {@code div} the pairs are (a, b) and the row is
 * [a·b, b] with label a, so every row satisfies b·label = x.
 *
 * <p>The arrays returned by the accessors are the dataset's own (no copies, for large tables);
 * treat them as read-only.
 */
public final class AlgorithmicDataset {
    /** At most this many rows, so that rows·seqLen and index arithmetic stay within int range. */
    public static final long MAX_ROWS = Integer.MAX_VALUE / 8;

    private final Task task;
    private final int n;
    private final boolean opToken;
    private final int seqLen;
    private final double trainFraction;
    private final long splitSeed;
    private final int[] inputs;
    private final int[] labels;
    private final int[] trainIdx;
    private final int[] testIdx;

    private AlgorithmicDataset(Task task, int n, boolean opToken, double trainFraction, long splitSeed,
                               int[] inputs, int[] labels, int[] trainIdx, int[] testIdx) {
        this.task = task;
        this.n = n;
        this.opToken = opToken;
        this.seqLen = opToken ? 4 : 3;
        this.trainFraction = trainFraction;
        this.splitSeed = splitSeed;
        this.inputs = inputs;
        this.labels = labels;
        this.trainIdx = trainIdx;
        this.testIdx = testIdx;
    }

    /**
     * Builds the table and splits it: train count = floor(trainFraction · rows), as int(frac · N)
     * in the reference implementations (3,830 of 12,769 rows for p = 113 at 0.3).
     *
     * @param p the modulus for arithmetic tasks; ignored by the S5 tasks (n = 120)
     * @throws IllegalArgumentException for p &lt; 2, a non-prime p where the task divides, a fraction
     *         outside (0, 1), a split leaving train or test empty, or a table too large for memory
     */
    public static AlgorithmicDataset build(Task task, int p, double trainFraction, long splitSeed, boolean opToken) {
        if (task == null) throw new IllegalArgumentException("task is missing; valid tasks: " + Task.validNames());
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new IllegalArgumentException("train fraction " + trainFraction
                    + " is outside (0, 1); use a value strictly between 0 and 1, e.g. 0.3");
        }
        checkModulus(task, p);
        long rows = task.rowCount(p);
        checkSize(task, p, rows, opToken ? 4 : 3);
        long train = (long) Math.floor(trainFraction * rows);
        return generate(task, p, (int) train, trainFraction, splitSeed, opToken);
    }

    /**
     * As {@link #build(Task, int, double, long, boolean)} with an exact train count (e.g. the
     * floor(frac·rows) convention of Nanda et al.: 3,830 of 12,769 rows for p = 113 at 0.3).
     */
    public static AlgorithmicDataset buildWithTrainCount(Task task, int p, int trainCount, long splitSeed, boolean opToken) {
        if (task == null) throw new IllegalArgumentException("task is missing; valid tasks: " + Task.validNames());
        checkModulus(task, p);
        long rows = task.rowCount(p);
        checkSize(task, p, rows, opToken ? 4 : 3);
        return generate(task, p, trainCount, (double) trainCount / rows, splitSeed, opToken);
    }

    /** Rows of the full table for this task and p (validated: p ≥ 2, prime where needed). */
    public static long rowCount(Task task, int p) {
        checkModulus(task, p);
        return task.rowCount(p);
    }

    private static AlgorithmicDataset generate(Task task, int p, int train, double fraction, long seed, boolean opToken) {
        int n = task.elementCount(p);
        int rows = (int) task.rowCount(p);
        if (train < 1 || train > rows - 1) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "train fraction %s of %,d rows gives %,d train and %,d test rows; both need at least 1 row",
                    fraction, rows, Math.max(train, 0), Math.max(rows - train, 0)));
        }
        int seqLen = opToken ? 4 : 3;
        int op = n, eq = n + 1;
        int[] inputs = new int[rows * seqLen];
        int[] labels = new int[rows];
        int[] inverse = task.needsField() ? inverses(p) : null;
        int r = 0;
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                int x = a, y = b, label;
                if (task == Task.DIV) {
                    if (b == 0) continue;
                    x = (int) ((long) a * b % p);
                    label = a;
                } else {
                    label = task.apply(a, b, p, inverse);
                }
                int o = r * seqLen;
                inputs[o] = x;
                if (opToken) {
                    inputs[o + 1] = op;
                    inputs[o + 2] = y;
                    inputs[o + 3] = eq;
                } else {
                    inputs[o + 1] = y;
                    inputs[o + 2] = eq;
                }
                labels[r++] = label;
            }
        }
        int[] perm = Shuffle.permutation(rows, seed);
        int[] trainIdx = Arrays.copyOfRange(perm, 0, train);
        int[] testIdx = Arrays.copyOfRange(perm, train, rows);
        Arrays.sort(trainIdx);
        Arrays.sort(testIdx);
        return new AlgorithmicDataset(task, n, opToken, fraction, seed, inputs, labels, trainIdx, testIdx);
    }

    private static int[] inverses(int p) {
        int[] inv = new int[p];
        for (int y = 1; y < p; y++) inv[y] = (int) Task.modPow(y, p - 2, p);
        return inv;
    }

    private static void checkModulus(Task task, int p) {
        if (task == null) throw new IllegalArgumentException("task is missing; valid tasks: " + Task.validNames());
        if (task.isPermutation()) return;
        if (p < 2) {
            throw new IllegalArgumentException("p = " + p + " is invalid; p must be an integer >= 2"
                    + " (and prime for div, div-or-sub)");
        }
        if (task.needsField() && !isPrime(p)) {
            int below = p, above = p;
            while (below >= 2 && !isPrime(below)) below--;
            while (above < Integer.MAX_VALUE && !isPrime(above)) above++;
            String choice = below >= 2 ? "choose a prime such as " + below + " or " + above : "choose a prime such as " + above;
            throw new IllegalArgumentException("task " + task.cliName() + " divides, so p must be prime: p = " + p
                    + " is not prime (divisible by " + smallestFactor(p) + "); " + choice);
        }
    }

    private static void checkSize(Task task, int p, long rows, int seqLen) {
        double bytes = rows * (seqLen + 1) * 4.0; // double: p near 2^31 overflows a long here
        long heap = Runtime.getRuntime().maxMemory();
        double byteLimit = heap == Long.MAX_VALUE ? Double.POSITIVE_INFINITY : heap / 4.0;
        if (rows > MAX_ROWS || bytes > byteLimit) {
            String what = task.isPermutation() ? "task " + task.cliName() : "p = " + p;
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%s gives %,d rows (≈ %s of int32 tokens and labels); the limit is %,d rows and %s"
                            + " (a quarter of the %s maximum heap); use a smaller p or a larger -Xmx",
                    what, rows, human(bytes), MAX_ROWS, human(byteLimit), human(heap)));
        }
    }

    static String human(double bytes) {
        if (bytes >= Long.MAX_VALUE) return "unlimited";
        String[] units = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
        return u == 0 ? (long) bytes + " B" : String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }

    static boolean isPrime(int p) {
        return p >= 2 && smallestFactor(p) == p;
    }

    private static int smallestFactor(int p) {
        if (p % 2 == 0) return 2;
        for (long d = 3; d * d <= p; d += 2) if (p % d == 0) return (int) d;
        return p;
    }

    // ---- accessors ----------------------------------------------------------------------------

    public Task task() { return task; }

    /** The modulus for arithmetic tasks; 120 for S5 (equal to {@link #n()}). */
    public int p() { return n; }

    /** Number of elements. */
    public int n() { return n; }

    /** Embedding vocabulary: n elements, the op token and "=". */
    public int vocab() { return n + 2; }

    public int seqLen() { return seqLen; }

    /** Output classes (= n). */
    public int classes() { return n; }

    public boolean hasOpToken() { return opToken; }

    public int opTokenId() { return n; }

    public int eqTokenId() { return n + 1; }

    public double trainFraction() { return trainFraction; }

    public long splitSeed() { return splitSeed; }

    public int rows() { return labels.length; }

    /** All rows' tokens, rows × seqLen row-major. */
    public int[] inputs() { return inputs; }

    public int[] labels() { return labels; }

    /** Train row indices, ascending. */
    public int[] trainIdx() { return trainIdx; }

    /** Test row indices, ascending. */
    public int[] testIdx() { return testIdx; }

    public int trainCount() { return trainIdx.length; }

    public int testCount() { return testIdx.length; }

    /** Tokens of the given rows, idx.length × seqLen row-major. */
    public int[] inputsOf(int[] idx) {
        int[] out = new int[idx.length * seqLen];
        for (int i = 0; i < idx.length; i++) System.arraycopy(inputs, idx[i] * seqLen, out, i * seqLen, seqLen);
        return out;
    }

    public int[] labelsOf(int[] idx) {
        int[] out = new int[idx.length];
        for (int i = 0; i < idx.length; i++) out[i] = labels[idx[i]];
        return out;
    }

    public int[] trainInputs() { return inputsOf(trainIdx); }

    public int[] trainLabels() { return labelsOf(trainIdx); }

    public int[] testInputs() { return inputsOf(testIdx); }

    public int[] testLabels() { return labelsOf(testIdx); }

    @Override public String toString() {
        return String.format(Locale.ROOT, "%s (n = %d, %d rows: %d train, %d test, seqLen %d)",
                task.cliName(), n, rows(), trainCount(), testCount(), seqLen);
    }
}
