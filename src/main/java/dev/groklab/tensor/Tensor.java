package dev.groklab.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * An n-dimensional view (shape, strides, offset, all in elements) over a {@link Storage}.
 * Views (reshape, permute, slice, expand) share storage and never copy; kernels that need a
 * dense layout ask for {@link #isContiguous()} and the op layer copies when it is false.
 */
public final class Tensor {
    private final Storage storage;
    private final DType dtype;
    private final int[] shape;
    private final int[] strides;
    private final long offset;

    public Tensor(Storage storage, DType dtype, int[] shape, int[] strides, long offset) {
        if (shape.length != strides.length) throw new IllegalArgumentException("shape and strides differ in rank");
        this.storage = storage;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.strides = strides.clone();
        this.offset = offset;
    }

    /** A dense tensor over the whole storage. */
    public static Tensor dense(Storage storage, DType dtype, int... shape) {
        return new Tensor(storage, dtype, shape, Shapes.contiguousStrides(shape), 0);
    }

    public Storage storage() { return storage; }
    public DType dtype() { return dtype; }
    public Device device() { return storage.device(); }
    public int rank() { return shape.length; }
    public int[] shape() { return shape.clone(); }
    public int[] strides() { return strides.clone(); }
    public long offset() { return offset; }
    public int numel() { return (int) Shapes.numel(shape); }

    /** Size of one axis; negative axes count from the end. */
    public int dim(int axis) { return shape[Shapes.axis(axis, shape.length, "dim")]; }
    public int stride(int axis) { return strides[Shapes.axis(axis, shape.length, "stride")]; }

    public boolean sameShape(Tensor o) { return Arrays.equals(shape, o.shape); }

    public boolean isContiguous() {
        long expect = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expect) return false;
            expect *= shape[i];
        }
        return true;
    }

    /** Fails fast when the storage was freed. */
    public Tensor check(String op) {
        storage.checkAlive(op);
        return this;
    }

    // ---- views -----------------------------------------------------------------------------

    public Tensor reshape(int... newShape) {
        int[] s = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape: more than one -1 in " + Shapes.str(newShape));
                infer = i;
            } else known *= s[i];
        }
        if (infer >= 0) {
            if (known == 0 || numel() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot reshape " + Shapes.str(shape) + " to " + Shapes.str(newShape));
            }
            s[infer] = (int) (numel() / known);
        }
        if (Shapes.numel(s) != numel()) {
            throw new IllegalArgumentException("reshape: cannot reshape " + Shapes.str(shape) + " (" + numel()
                    + " elements) to " + Shapes.str(newShape));
        }
        if (!isContiguous()) {
            throw new IllegalArgumentException("reshape: " + Shapes.str(shape) + " is not contiguous; copy it first");
        }
        return new Tensor(storage, dtype, s, Shapes.contiguousStrides(s), offset);
    }

    public Tensor permute(int... axes) {
        if (axes.length != shape.length) {
            throw new IllegalArgumentException("permute: " + axes.length + " axes for rank " + shape.length);
        }
        int[] ns = new int[axes.length], nt = new int[axes.length];
        boolean[] seen = new boolean[axes.length];
        for (int i = 0; i < axes.length; i++) {
            int a = Shapes.axis(axes[i], shape.length, "permute");
            if (seen[a]) throw new IllegalArgumentException("permute: axis " + a + " repeated in " + Arrays.toString(axes));
            seen[a] = true;
            ns[i] = shape[a];
            nt[i] = strides[a];
        }
        return new Tensor(storage, dtype, ns, nt, offset);
    }

    public Tensor transpose(int a, int b) {
        int[] p = new int[shape.length];
        for (int i = 0; i < p.length; i++) p[i] = i;
        a = Shapes.axis(a, shape.length, "transpose");
        b = Shapes.axis(b, shape.length, "transpose");
        p[a] = b;
        p[b] = a;
        return permute(p);
    }

    /** Elements [start, end) along one axis. */
    public Tensor slice(int axis, int start, int end) {
        int a = Shapes.axis(axis, shape.length, "slice");
        if (start < 0 || end > shape[a] || start > end) {
            throw new IllegalArgumentException("slice: range [" + start + ", " + end + ") outside axis " + a
                    + " of " + Shapes.str(shape));
        }
        int[] ns = shape.clone();
        ns[a] = end - start;
        return new Tensor(storage, dtype, ns, strides, offset + (long) start * strides[a]);
    }

    /** Inserts an axis of size 1. */
    public Tensor unsqueeze(int axis) {
        int a = axis < 0 ? axis + shape.length + 1 : axis;
        if (a < 0 || a > shape.length) throw new IllegalArgumentException("unsqueeze: axis " + axis + " out of range");
        int[] ns = new int[shape.length + 1], nt = new int[shape.length + 1];
        for (int i = 0, j = 0; i < ns.length; i++) {
            if (i == a) { ns[i] = 1; nt[i] = 0; } else { ns[i] = shape[j]; nt[i] = strides[j]; j++; }
        }
        return new Tensor(storage, dtype, ns, nt, offset);
    }

    /** Broadcast view: size-1 (or missing leading) axes repeat with stride 0. */
    public Tensor expand(int... target) {
        if (target.length < shape.length) throw new IllegalArgumentException("expand: cannot expand " + Shapes.str(shape) + " to " + Shapes.str(target));
        int[] nt = new int[target.length];
        int lead = target.length - shape.length;
        for (int i = 0; i < target.length; i++) {
            if (i < lead) { nt[i] = 0; continue; }
            int d = shape[i - lead];
            if (d == target[i]) nt[i] = strides[i - lead];
            else if (d == 1) nt[i] = 0;
            else throw new IllegalArgumentException("expand: cannot expand " + Shapes.str(shape) + " to " + Shapes.str(target));
        }
        return new Tensor(storage, dtype, target, nt, offset);
    }

    // ---- host access (CPU storage only): for tests, data loading and metrics -----------------

    public MemorySegment segment() {
        if (!(storage instanceof CpuStorage cs)) {
            throw new IllegalStateException("segment: tensor lives on " + device() + ", copy it to the CPU first");
        }
        storage.checkAlive("segment");
        return cs.segment();
    }

    /** Storage element index of the logical flat (row-major) index. */
    public long elementIndex(long flat) {
        long idx = offset;
        for (int i = shape.length - 1; i >= 0; i--) {
            int d = shape[i];
            idx += (flat % d) * strides[i];
            flat /= d;
        }
        return idx;
    }

    public double getDouble(long flat) {
        MemorySegment s = segment();
        long e = elementIndex(flat);
        return switch (dtype) {
            case F32 -> s.getAtIndex(ValueLayout.JAVA_FLOAT, e);
            case F64 -> s.getAtIndex(ValueLayout.JAVA_DOUBLE, e);
            case I32 -> s.getAtIndex(ValueLayout.JAVA_INT, e);
        };
    }

    public void setDouble(long flat, double v) {
        MemorySegment s = segment();
        long e = elementIndex(flat);
        switch (dtype) {
            case F32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT, e, (float) v);
            case F64 -> s.setAtIndex(ValueLayout.JAVA_DOUBLE, e, v);
            case I32 -> s.setAtIndex(ValueLayout.JAVA_INT, e, (int) v);
        }
    }

    public float[] toFloatArray() {
        float[] out = new float[numel()];
        for (int i = 0; i < out.length; i++) out[i] = (float) getDouble(i);
        return out;
    }

    public double[] toDoubleArray() {
        double[] out = new double[numel()];
        for (int i = 0; i < out.length; i++) out[i] = getDouble(i);
        return out;
    }

    public int[] toIntArray() {
        int[] out = new int[numel()];
        for (int i = 0; i < out.length; i++) out[i] = (int) getDouble(i);
        return out;
    }

    @Override public String toString() {
        return "Tensor" + Shapes.str(shape) + " " + dtype + " on " + device() + (storage.alive() ? "" : " (freed)");
    }
}
