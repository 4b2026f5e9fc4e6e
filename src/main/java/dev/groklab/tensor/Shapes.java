package dev.groklab.tensor;

import java.util.Arrays;

/** Shape arithmetic: element counts, contiguous strides, broadcasting. */
public final class Shapes {
    private Shapes() {}

    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    public static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = (int) acc;
            acc *= shape[i];
        }
        return s;
    }

    /** NumPy broadcasting of two shapes, right-aligned; null if incompatible. */
    public static int[] broadcast(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.length ? 1 : a[i - (r - a.length)];
            int db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da != db && da != 1 && db != 1) return null;
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    public static String str(int[] shape) { return Arrays.toString(shape); }

    public static void checkPositive(String op, int[] shape) {
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException(op + ": negative dimension in shape " + str(shape));
        }
        if (numel(shape) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": shape " + str(shape) + " has more than 2^31-1 elements");
        }
    }

    public static int axis(int axis, int rank, String op) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new IllegalArgumentException(op + ": axis " + axis + " out of range for rank " + rank);
        return a;
    }
}
