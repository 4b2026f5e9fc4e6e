package dev.groklab.backend;

import dev.groklab.tensor.Shapes;
import dev.groklab.tensor.Tensor;

/**
 * The validated geometry of a (batched) matmul: sizes, element strides of the last two axes and
 * the element offset of every batch's matrix. Shared by all backends so they agree on shapes and
 * on the error messages.
 */
public record MatmulPlan(int batch, int n, int k, int m,
                         int aRowStride, int aColStride, int bRowStride, int bColStride,
                         long[] aOffset, long[] bOffset, long[] outOffset, boolean reduceBatch) {

    public static MatmulPlan of(Tensor a, Tensor b, Tensor out) {
        if (a.rank() < 2 || b.rank() < 2 || out.rank() < 2) {
            throw new IllegalArgumentException("matmul: operands need rank >= 2, got " + Shapes.str(a.shape())
                    + " x " + Shapes.str(b.shape()) + " -> " + Shapes.str(out.shape()));
        }
        int n = a.dim(-2), k = a.dim(-1), m = b.dim(-1);
        if (b.dim(-2) != k) {
            throw new IllegalArgumentException("matmul: inner sizes differ: " + Shapes.str(a.shape()) + " x " + Shapes.str(b.shape()));
        }
        int[] aBatch = java.util.Arrays.copyOf(a.shape(), a.rank() - 2);
        int[] bBatch = java.util.Arrays.copyOf(b.shape(), b.rank() - 2);
        int[] batchShape;
        if (aBatch.length == 0) batchShape = bBatch;
        else if (bBatch.length == 0 || java.util.Arrays.equals(aBatch, bBatch)) batchShape = aBatch;
        else throw new IllegalArgumentException("matmul: batch axes differ: " + Shapes.str(a.shape()) + " x " + Shapes.str(b.shape())
                + " (they must be equal, or one operand rank 2)");
        int batch = (int) Shapes.numel(batchShape);
        boolean reduce = out.rank() == 2 && batchShape.length > 0;
        int[] expectOut = new int[batchShape.length + 2];
        System.arraycopy(batchShape, 0, expectOut, 0, batchShape.length);
        expectOut[batchShape.length] = n;
        expectOut[batchShape.length + 1] = m;
        boolean outOk = reduce ? (out.dim(0) == n && out.dim(1) == m) : java.util.Arrays.equals(out.shape(), expectOut);
        if (!outOk) {
            throw new IllegalArgumentException("matmul: output " + Shapes.str(out.shape()) + " does not match "
                    + Shapes.str(a.shape()) + " x " + Shapes.str(b.shape()) + " -> " + Shapes.str(expectOut));
        }
        if (!out.isContiguous()) throw new IllegalArgumentException("matmul: output " + Shapes.str(out.shape()) + " must be dense");
        long[] ao = offsets(a, batchShape), bo = offsets(b, batchShape);
        long[] oo = new long[batch];
        for (int i = 0; i < batch; i++) oo[i] = out.offset() + (reduce ? 0 : (long) i * n * m);
        return new MatmulPlan(batch, n, k, m, a.stride(-2), a.stride(-1), b.stride(-2), b.stride(-1), ao, bo, oo, reduce);
    }

    private static long[] offsets(Tensor t, int[] batchShape) {
        int batch = (int) Shapes.numel(batchShape);
        long[] off = new long[batch];
        int tb = t.rank() - 2;
        int[] st = t.strides();
        for (int i = 0; i < batch; i++) {
            long o = t.offset();
            if (tb > 0) {
                long rem = i;
                for (int ax = tb - 1; ax >= 0; ax--) {
                    int d = t.shape()[ax];
                    o += (rem % d) * st[ax];
                    rem /= d;
                }
            }
            off[i] = o;
        }
        return off;
    }

    public double flops() { return 2.0 * batch * n * k * m; }
}
