package dev.groklab.backend.opencl;

import dev.groklab.tensor.Shapes;

/**
 * Shared shape and per-tensor strides of an elementwise launch, reduced to the fewest axes:
 * size-1 axes dropped and neighbours merged where every tensor is contiguous across them (a dense
 * tensor becomes rank 1). Axes are stored innermost first in 8-slot arrays, the kernels' int8.
 */
final class Layout {
    static final int MAX_RANK = 8;

    final int rank;
    final int numel;
    final int[] shape = new int[MAX_RANK];
    final int[][] strides;

    private Layout(int rank, int numel, int tensors) {
        this.rank = rank;
        this.numel = numel;
        this.strides = new int[tensors][MAX_RANK];
    }

    static Layout of(String op, int[] shape, int[]... strides) {
        long n = Shapes.numel(shape);
        int[] sh = new int[shape.length];
        int[][] st = new int[strides.length][shape.length];
        int r = 0;
        // Walk from the innermost axis outward, merging into the current outermost run when possible.
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            boolean merge = r > 0;
            for (int t = 0; t < strides.length && merge; t++) {
                merge = (long) strides[t][i] == (long) st[t][r - 1] * sh[r - 1];
            }
            if (merge) {
                sh[r - 1] *= shape[i];
            } else {
                sh[r] = shape[i];
                for (int t = 0; t < strides.length; t++) st[t][r] = strides[t][i];
                r++;
            }
        }
        if (r > MAX_RANK) {
            throw new IllegalArgumentException(op + ": the OpenCL kernels take at most " + MAX_RANK
                    + " non-mergeable axes, got shape " + Shapes.str(shape));
        }
        Layout l = new Layout(r, (int) n, strides.length);
        System.arraycopy(sh, 0, l.shape, 0, r);
        for (int t = 0; t < strides.length; t++) System.arraycopy(st[t], 0, l.strides[t], 0, r);
        return l;
    }

    int[] stride(int tensor) { return strides[tensor]; }

    /** Product of the axes from {@code from} (innermost-first numbering) outward. */
    int count(int from) {
        long c = 1;
        for (int i = from; i < rank; i++) c *= shape[i];
        return (int) c;
    }

    /** This layout without its innermost axis. */
    Layout dropInnermost() {
        Layout l = new Layout(Math.max(rank - 1, 0), rank == 0 ? numel : count(1), strides.length);
        for (int i = 1; i < rank; i++) {
            l.shape[i - 1] = shape[i];
            for (int t = 0; t < strides.length; t++) l.strides[t][i - 1] = strides[t][i];
        }
        return l;
    }
}
