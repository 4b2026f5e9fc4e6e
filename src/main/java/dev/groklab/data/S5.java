package dev.groklab.data;

import java.util.Arrays;

/**
 * The symmetric group S5: its 120 permutations of {0..4} in lexicographic order (index 0 is the
 * identity), with composition and inverse tables. A permutation is stored as its images
 * {@code p[i]}; composition is right-to-left, {@code (a∘b)(i) = a(b(i))}.
 */
public final class S5 {
    public static final int ORDER = 120;
    public static final int DEGREE = 5;

    private static final int[][] PERMS = new int[ORDER][];
    private static final int[] CODE_TO_INDEX = new int[3125];
    private static final int[] COMPOSE = new int[ORDER * ORDER];
    private static final int[] INVERSE = new int[ORDER];

    static {
        Arrays.fill(CODE_TO_INDEX, -1);
        int[] p = {0, 1, 2, 3, 4};
        for (int k = 0; k < ORDER; k++) {
            PERMS[k] = p.clone();
            CODE_TO_INDEX[code(p)] = k;
            nextPermutation(p);
        }
        int[] tmp = new int[DEGREE];
        for (int a = 0; a < ORDER; a++) {
            for (int b = 0; b < ORDER; b++) {
                for (int i = 0; i < DEGREE; i++) tmp[i] = PERMS[a][PERMS[b][i]];
                COMPOSE[a * ORDER + b] = CODE_TO_INDEX[code(tmp)];
            }
            for (int i = 0; i < DEGREE; i++) tmp[PERMS[a][i]] = i;
            INVERSE[a] = CODE_TO_INDEX[code(tmp)];
        }
    }

    private S5() {}

    /** The images of permutation {@code index} (a copy). */
    public static int[] perm(int index) {
        checkIndex(index);
        return PERMS[index].clone();
    }

    /** The index of a permutation given by its images. */
    public static int index(int[] perm) {
        if (perm.length != DEGREE) throw new IllegalArgumentException("S5: a permutation has 5 images, got " + perm.length);
        for (int v : perm) {
            if (v < 0 || v >= DEGREE) throw new IllegalArgumentException("S5: " + Arrays.toString(perm) + " is not a permutation of 0..4");
        }
        int k = CODE_TO_INDEX[code(perm)];
        if (k < 0) throw new IllegalArgumentException("S5: " + Arrays.toString(perm) + " is not a permutation of 0..4");
        return k;
    }

    public static int identity() { return 0; }

    /** Index of a∘b, i.e. apply b first, then a. */
    public static int compose(int a, int b) {
        checkIndex(a);
        checkIndex(b);
        return COMPOSE[a * ORDER + b];
    }

    public static int inverse(int a) {
        checkIndex(a);
        return INVERSE[a];
    }

    private static void checkIndex(int k) {
        if (k < 0 || k >= ORDER) throw new IllegalArgumentException("S5: element " + k + " is outside 0.." + (ORDER - 1));
    }

    private static int code(int[] p) {
        int c = 0;
        for (int v : p) c = c * DEGREE + v;
        return c;
    }

    private static void nextPermutation(int[] a) {
        int i = a.length - 2;
        while (i >= 0 && a[i] >= a[i + 1]) i--;
        if (i < 0) return;
        int j = a.length - 1;
        while (a[j] <= a[i]) j--;
        int t = a[i]; a[i] = a[j]; a[j] = t;
        for (int l = i + 1, r = a.length - 1; l < r; l++, r--) { t = a[l]; a[l] = a[r]; a[r] = t; }
    }
}
