package dev.groklab.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * An IDX file (the MNIST format): magic 0x00 0x00, a type byte, the number of dimensions, each
 * dimension as a big-endian int32, then the elements big-endian in row-major order.
 *
 * @param type one of {@link #UBYTE}, {@link #BYTE}, {@link #SHORT}, {@link #INT}, {@link #FLOAT}, {@link #DOUBLE}
 * @param dims the dimensions
 * @param data the raw element bytes, big-endian, as stored in the file
 */
public record Idx(int type, int[] dims, byte[] data) {
    public static final int UBYTE = 0x08, BYTE = 0x09, SHORT = 0x0B, INT = 0x0C, FLOAT = 0x0D, DOUBLE = 0x0E;

    public Idx {
        int size = elementBytes(type);
        if (size < 0) throw new IllegalArgumentException("IDX: unknown type byte 0x" + Integer.toHexString(type));
        long count = 1;
        for (int d : dims) {
            if (d < 0) throw new IllegalArgumentException("IDX: negative dimension in " + Arrays.toString(dims));
            count *= d;
        }
        if (count * size != data.length) {
            throw new IllegalArgumentException("IDX: dims " + Arrays.toString(dims) + " need " + count * size
                    + " bytes, got " + data.length);
        }
        dims = dims.clone();
    }

    /** Reads a file, gunzipping it when the name ends in ".gz". */
    public static Idx read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("IDX file " + file + " does not exist");
        try (InputStream raw = Files.newInputStream(file)) {
            InputStream in = file.getFileName().toString().endsWith(".gz")
                    ? new GZIPInputStream(raw, 1 << 16) : new BufferedInputStream(raw, 1 << 16);
            return read(in, file.toString());
        }
    }

    /** Reads one IDX image from a stream; {@code name} appears in error messages. */
    public static Idx read(InputStream in, String name) throws IOException {
        DataInputStream d = new DataInputStream(in);
        try {
            int m0 = d.readUnsignedByte(), m1 = d.readUnsignedByte();
            int type = d.readUnsignedByte(), rank = d.readUnsignedByte();
            if (m0 != 0 || m1 != 0) {
                throw new IOException(name + " is not an IDX file (magic bytes " + m0 + " " + m1 + ", expected 0 0)");
            }
            int size = elementBytes(type);
            if (size < 0) throw new IOException(name + ": unknown IDX type byte 0x" + Integer.toHexString(type));
            int[] dims = new int[rank];
            long count = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = d.readInt();
                if (dims[i] < 0) throw new IOException(name + ": negative dimension " + dims[i]);
                count *= dims[i];
                if (count * size > Integer.MAX_VALUE - 16) {
                    throw new IOException(name + ": " + Arrays.toString(Arrays.copyOf(dims, i + 1)) + " is too large to load");
                }
            }
            byte[] data = new byte[(int) (count * size)];
            d.readFully(data);
            if (d.read() != -1) throw new IOException(name + ": trailing bytes after " + count + " elements of dims " + Arrays.toString(dims));
            return new Idx(type, dims, data);
        } catch (EOFException e) {
            throw new IOException(name + ": truncated IDX file", e);
        }
    }

    /** Bytes per element of an IDX type, or −1 if unknown. */
    public static int elementBytes(int type) {
        return switch (type) {
            case UBYTE, BYTE -> 1;
            case SHORT -> 2;
            case INT, FLOAT -> 4;
            case DOUBLE -> 8;
            default -> -1;
        };
    }

    @Override public int[] dims() { return dims.clone(); }

    public int rank() { return dims.length; }

    public int dim(int i) { return dims[i]; }

    /** Number of elements. */
    public int count() { return data.length / elementBytes(type); }

    /** Elements as ints (unsigned for UBYTE; truncated toward zero for FLOAT and DOUBLE). */
    public int[] toIntArray() {
        int[] out = new int[count()];
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (type) {
                case UBYTE -> data[i] & 0xFF;
                case BYTE -> data[i];
                case SHORT -> b.getShort(2 * i);
                case INT -> b.getInt(4 * i);
                case FLOAT -> (int) b.getFloat(4 * i);
                default -> (int) b.getDouble(8 * i);
            };
        }
        return out;
    }

    /** Elements as floats, multiplied by {@code scale} (1/255 maps UBYTE pixels to [0, 1]). */
    public float[] toFloatArray(float scale) {
        float[] out = new float[count()];
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < out.length; i++) {
            float v = switch (type) {
                case UBYTE -> data[i] & 0xFF;
                case BYTE -> data[i];
                case SHORT -> b.getShort(2 * i);
                case INT -> b.getInt(4 * i);
                case FLOAT -> b.getFloat(4 * i);
                default -> (float) b.getDouble(8 * i);
            };
            out[i] = v * scale;
        }
        return out;
    }

    @Override public boolean equals(Object o) {
        return o instanceof Idx other && type == other.type && Arrays.equals(dims, other.dims) && Arrays.equals(data, other.data);
    }

    @Override public int hashCode() { return 31 * (31 * type + Arrays.hashCode(dims)) + Arrays.hashCode(data); }

    @Override public String toString() {
        return "Idx[type=0x" + Integer.toHexString(type) + ", dims=" + Arrays.toString(dims) + "]";
    }
}
