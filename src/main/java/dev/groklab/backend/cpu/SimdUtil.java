package dev.groklab.backend.cpu;

import dev.groklab.tensor.CpuStorage;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Shared pieces of the float32 Vector API kernels: the species, element-indexed loads and
 * stores, layout coalescing and gathered copies of strided inputs.
 *
 * <p>Kernels built on these stay bit-identical across JIT tiers and thread counts: exp, log and
 * tanh are {@link SimdMath}'s (never {@code lanewise} transcendentals), lane sums run in lane
 * order, scalar tails use the same float formulas as the vector lanes, and parallel reductions
 * combine fixed blocks in a fixed order.
 *
 * <p>Two rules keep C2's code for the loops tight. Vectors only ever touch native segments (never
 * heap-backed ones): the loads and stores are inlined JDK methods whose type profiles every call
 * site shares, and a second segment class there costs every kernel its tight loops. And loops
 * call {@code FloatVector.fromMemorySegment / intoMemorySegment / broadcast} directly rather
 * than through small wrappers: those JDK methods are force-inlined, while a wrapper can be
 * refused once a method grows large (NodeCountInliningCutoff) and then passes boxed vectors.
 */
final class SimdUtil {
    private SimdUtil() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final ByteOrder ORDER = ByteOrder.nativeOrder();
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;

    /** Elements per parallel chunk for loops bound by memory bandwidth (forking costs microseconds). */
    static final int GRAIN = 1 << 15;
    /** Elements per parallel chunk for loops with a transcendental function per element. */
    static final int GRAIN_HEAVY = 1 << 12;

    static float get(MemorySegment s, long e) { return s.getAtIndex(F32, e); }

    static void set(MemorySegment s, long e, float v) { s.setAtIndex(F32, e, v); }

    /** Sum of the lanes in lane order: the same bits on every JIT tier (reduceLanes(ADD) is not). */
    static float sum(FloatVector v) { return SimdMath.sum(v); }

    private static final float EXP_HI = 88.8f, EXP_LO = -87.3365447504f;
    private static final float LOG2E = 1.44269504088896341f, C1 = 0.693359375f, C2 = -2.12194440e-4f;
    private static final float ROUND = 12582912f;

    /**
     * {@link SimdMath#exp(FloatVector)}, bit for bit (tested), with the clamps and the NaN test
     * written as compares and blends: Java-semantics min/max and test(IS_NAN) cost about a third
     * more on AVX2. The scalar twin is {@link SimdMath#exp(float)}. Call it first in a small loop
     * method so it is inlined before the method grows.
     */
    static FloatVector exp(FloatVector x) {
        VectorMask<Float> under = x.compare(VectorOperators.LT, EXP_LO);
        FloatVector xc = x.blend(EXP_HI, x.compare(VectorOperators.GT, EXP_HI)).blend(EXP_LO, under);
        FloatVector n = xc.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -C1), xc);
        r = n.fma(FloatVector.broadcast(S, -C2), r);
        FloatVector p = FloatVector.broadcast(S, 1.9875691500e-4f);
        p = p.fma(r, FloatVector.broadcast(S, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        p = p.fma(r.mul(r), r).add(1f);
        // 2^n in two exact factors, as SimdMath does (n reaches 128 at the top of the range).
        IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector y = p.mul(n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats())
                .mul(ni.sub(n1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats());
        y = y.blend(0f, under);
        return y.blend(x, x.compare(VectorOperators.NE, x));
    }

    /** Rows for one parallel chunk so that a chunk holds about {@code grain} elements. */
    static int rowGrain(int rowLength, int grain) { return Math.max(1, grain / Math.max(1, rowLength)); }

    /** Runs body over [0, n) in parallel only when the whole job is worth a fork. */
    static void forRows(int rows, int rowLength, int grain, Parallel.RangeBody body) {
        Parallel.range(rows, rowGrain(rowLength, grain), body);
    }

    // ---- layouts --------------------------------------------------------------------------------

    /**
     * Several tensors viewed over one logical shape, with size-1 axes dropped and neighbouring
     * axes merged wherever every tensor's strides allow it. Always rank >= 1.
     */
    static final class Layout {
        final int[] shape;
        final int[][] strides;

        private Layout(int[] shape, int[][] strides) {
            this.shape = shape;
            this.strides = strides;
        }

        int rank() { return shape.length; }

        int inner() { return shape[shape.length - 1]; }

        int innerStride(int t) { return strides[t][shape.length - 1]; }

        /** Number of rows: the product of all axes but the last. */
        int rows() {
            int r = 1;
            for (int i = 0; i < shape.length - 1; i++) r *= shape[i];
            return r;
        }

        static Layout of(int[] shape, int[]... strides) {
            int k = strides.length, n = 0;
            int[] sh = new int[shape.length];
            int[][] st = new int[k][shape.length];
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] == 1) continue;
                boolean merge = n > 0;
                for (int t = 0; t < k && merge; t++) {
                    merge = (long) st[t][n - 1] == (long) strides[t][i] * shape[i];
                }
                if (merge) {
                    sh[n - 1] *= shape[i];
                    for (int t = 0; t < k; t++) st[t][n - 1] = strides[t][i];
                } else {
                    sh[n] = shape[i];
                    for (int t = 0; t < k; t++) st[t][n] = strides[t][i];
                    n++;
                }
            }
            if (n == 0) {
                return new Layout(new int[]{1}, new int[k][1]);
            }
            int[] fs = java.util.Arrays.copyOf(sh, n);
            int[][] ft = new int[k][];
            for (int t = 0; t < k; t++) ft[t] = java.util.Arrays.copyOf(st[t], n);
            return new Layout(fs, ft);
        }
    }

    /**
     * Walks the rows (all axes but the last) of a {@link Layout}, keeping each tensor's element
     * offset of the current row's first element.
     */
    static final class RowCursor {
        private final Layout layout;
        private final int[] idx;
        final long[] off;

        RowCursor(Layout layout, long[] base, int row) {
            this.layout = layout;
            int outer = layout.rank() - 1;
            this.idx = new int[Math.max(outer, 0)];
            this.off = base.clone();
            for (int d = outer - 1; d >= 0; d--) {
                int i = row % layout.shape[d];
                row /= layout.shape[d];
                idx[d] = i;
                for (int t = 0; t < off.length; t++) off[t] += (long) i * layout.strides[t][d];
            }
        }

        void next() {
            for (int d = idx.length - 1; d >= 0; d--) {
                if (++idx[d] < layout.shape[d]) {
                    for (int t = 0; t < off.length; t++) off[t] += layout.strides[t][d];
                    return;
                }
                idx[d] = 0;
                for (int t = 0; t < off.length; t++) off[t] -= (long) (layout.shape[d] - 1) * layout.strides[t][d];
            }
        }
    }

    static boolean dense(Tensor... ts) {
        for (Tensor t : ts) if (t != null && !t.isContiguous()) return false;
        return true;
    }

    // ---- row-major buffers ----------------------------------------------------------------------

    /** Temporaries for gathered copies of strided inputs; pooled, so repeated shapes cost no allocation. */
    private static final CpuAllocator TEMP = new CpuAllocator();

    /**
     * A tensor's elements in row-major order starting at element {@code off} of {@code seg}: the
     * tensor itself when dense, else a gathered copy (released by {@link #close()}). The copy also
     * makes it safe to write an output that aliases the strided input.
     */
    record Buf(MemorySegment seg, long off, CpuStorage temp) implements AutoCloseable {
        static Buf of(Tensor t) {
            if (t.isContiguous()) return new Buf(t.segment(), t.offset(), null);
            CpuStorage s = TEMP.allocate(Math.max(4L, (long) t.numel() << 2));
            ElementwiseKernels.gatherDense(t, s.segment(), 0);
            return new Buf(s.segment(), 0, s);
        }

        /** The buffer as a dense tensor shaped like {@code t} (t itself when it was dense). */
        Tensor asTensor(Tensor t) {
            return temp == null ? t : Tensor.dense(temp, DType.F32, t.shape());
        }

        @Override public void close() { if (temp != null) temp.release(); }
    }
}
