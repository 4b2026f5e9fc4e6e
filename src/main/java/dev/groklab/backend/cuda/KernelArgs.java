package dev.groklab.backend.cuda;

import java.util.Arrays;

/**
 * The parameter values of one kernel launch, in order, packed little-endian into one byte
 * array (each value 8-byte aligned, the padding zero). A struct parameter is appended as its bytes, laid out as
 * the C struct (ints and floats of 4 bytes in declaration order). Reused from launch to launch;
 * the bytes also identify a launch when a captured graph step is replayed.
 */
public final class KernelArgs {
    private byte[] data = new byte[512];
    private int[] offsets = new int[16];
    private int[] sizes = new int[16];
    private int count, pos;

    public KernelArgs reset() {
        count = 0;
        pos = 0;
        return this;
    }

    public int count() { return count; }

    public int offset(int i) { return offsets[i]; }

    public int size(int i) { return sizes[i]; }

    /** The packed bytes (valid up to {@link #length()}). */
    public byte[] data() { return data; }

    public int length() { return pos; }

    private int begin(int size) {
        int at = (pos + 7) & ~7;
        if (at + size > data.length) data = Arrays.copyOf(data, Math.max(2 * data.length, at + size));
        // Padding is zeroed: a replayed graph step compares whole argument blocks, and the array
        // still holds the previous launch's bytes.
        Arrays.fill(data, pos, at, (byte) 0);
        if (count == offsets.length) {
            offsets = Arrays.copyOf(offsets, 2 * count);
            sizes = Arrays.copyOf(sizes, 2 * count);
        }
        offsets[count] = at;
        sizes[count] = size;
        count++;
        pos = at + size;
        return at;
    }

    private void putInt(int at, int v) {
        data[at] = (byte) v;
        data[at + 1] = (byte) (v >>> 8);
        data[at + 2] = (byte) (v >>> 16);
        data[at + 3] = (byte) (v >>> 24);
    }

    private void putLong(int at, long v) {
        putInt(at, (int) v);
        putInt(at + 4, (int) (v >>> 32));
    }

    public KernelArgs ptr(long devicePointer) { putLong(begin(8), devicePointer); return this; }

    public KernelArgs i32(int v) { putInt(begin(4), v); return this; }

    public KernelArgs u32(long v) { putInt(begin(4), (int) v); return this; }

    public KernelArgs i64(long v) { putLong(begin(8), v); return this; }

    public KernelArgs f32(float v) { putInt(begin(4), Float.floatToRawIntBits(v)); return this; }

    public KernelArgs f64(double v) { putLong(begin(8), Double.doubleToRawLongBits(v)); return this; }

    /** A struct of 32-bit ints (and float bits), in declaration order. */
    public KernelArgs ints(int... v) {
        int at = begin(4 * v.length);
        for (int i = 0; i < v.length; i++) putInt(at + 4 * i, v[i]);
        return this;
    }

    /** A copy of the packed bytes, for comparing launches. */
    byte[] snapshot() { return Arrays.copyOf(data, pos); }

    boolean sameBytes(byte[] other) { return Arrays.equals(data, 0, pos, other, 0, other.length); }
}
