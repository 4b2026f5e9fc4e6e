package dev.groklab.backend.cpu;

import dev.groklab.tensor.CpuStorage;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Shared pieces of the float32 Vector API kernels: the species, element-indexed loads and
 * stores, layout coalescing, and the few vector functions more than one kernel needs.
 *
 * <p>Vectors only ever touch native segments (never heap-backed ones): the loads and stores are
 * inlined JDK methods whose type profiles every call site shares, and a second segment class
 * there costs every kernel its tight loops.
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

    static FloatVector load(MemorySegment s, long e) {
        return FloatVector.fromMemorySegment(S, s, e << 2, ORDER);
    }

    static void store(FloatVector v, MemorySegment s, long e) {
        v.intoMemorySegment(s, e << 2, ORDER);
    }

    static float get(MemorySegment s, long e) { return s.getAtIndex(F32, e); }

    static void set(MemorySegment s, long e, float v) { s.setAtIndex(F32, e, v); }

    static FloatVector splat(float v) { return FloatVector.broadcast(S, v); }

    static FloatVector exp(FloatVector x) { return x.lanewise(VectorOperators.EXP); }

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

    /** Reads element {@code i} of a rank-1 view, or of any view by its flat index. */
    static int intAt(Tensor t, long flat) {
        return t.segment().getAtIndex(I32, t.elementIndex(flat));
    }
}
