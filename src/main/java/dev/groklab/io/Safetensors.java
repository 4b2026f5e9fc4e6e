package dev.groklab.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Device;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checkpoints in the safetensors layout (huggingface/safetensors): an 8-byte little-endian header
 * length N, N bytes of JSON {@code {"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...,
 * "__metadata__": {string: string}}} padded with spaces so the data starts 8-byte aligned, then
 * the tensors' little-endian bytes back to back, offsets relative to the start of that buffer.
 * Files written here load with {@code safetensors.torch.load_file} and numpy's {@code safe_open}.
 */
public final class Safetensors {
    /** Header size cap, as in the reference implementation (guards against garbage lengths). */
    public static final long MAX_HEADER = 100L * 1024 * 1024;
    private static final ObjectMapper COMPACT = new ObjectMapper();
    private static final int CHUNK = 1 << 20;

    private Safetensors() {}

    /** Element types that can be read; F32, F64 and I32 can also be written (the tensor dtypes). */
    public enum Dtype {
        F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

        private final int bytes;

        Dtype(int bytes) { this.bytes = bytes; }

        public int bytes() { return bytes; }

        public boolean isFloat() { return this == F64 || this == F32 || this == F16 || this == BF16; }

        public static Dtype of(DType t) {
            return switch (t) {
                case F32 -> F32;
                case F64 -> F64;
                case I32 -> I32;
            };
        }
    }

    /** One tensor's header entry; offsets are relative to the data buffer. */
    public record Entry(String name, Dtype dtype, int[] shape, long begin, long end) {
        public Entry { shape = shape.clone(); }

        @Override public int[] shape() { return shape.clone(); }

        public long numel() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }

        @Override public boolean equals(Object o) {
            return o instanceof Entry e && name.equals(e.name) && dtype == e.dtype && Arrays.equals(shape, e.shape)
                    && begin == e.begin && end == e.end;
        }

        @Override public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(shape); }

        @Override public String toString() {
            return name + " " + dtype + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
        }
    }

    // ---- writing ------------------------------------------------------------------------------

    /**
     * Writes tensors (in the map's iteration order) and string metadata atomically. Tensors may be
     * any strided view; tensors on another device are copied to the host first.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = COMPACT.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || name.isEmpty() || name.equals("__metadata__")) {
                throw new IllegalArgumentException("safetensors: invalid tensor name '" + name + "'");
            }
            if (t == null) throw new IllegalArgumentException("safetensors: tensor '" + name + "' is null");
            long bytes = (long) t.numel() * t.dtype().bytes();
            ObjectNode entry = header.putObject(name);
            entry.put("dtype", Dtype.of(t.dtype()).name());
            ArrayNode shape = entry.putArray("shape");
            for (int d : t.shape()) shape.add(d);
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (m.getKey() == null || m.getValue() == null) {
                    throw new IllegalArgumentException("safetensors: metadata keys and values must be non-null strings");
                }
                meta.put(m.getKey(), m.getValue());
            }
        }
        byte[] json = COMPACT.writeValueAsBytes(header);
        int padded = (json.length + 7) & ~7;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();

        AtomicFiles.write(file, ch -> {
            AtomicFiles.writeFully(ch, head);
            for (Tensor t : tensors.values()) writeTensor(ch, t);
        });
    }

    private static void writeTensor(FileChannel ch, Tensor t) throws IOException {
        if (t.device().kind() != Device.Kind.CPU) {
            try (Scope _ = Scope.open()) {
                writeTensor(ch, Backends.of(t).toHost(t));
            }
            return;
        }
        int size = t.dtype().bytes();
        long n = t.numel();
        if (t.isContiguous() && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            MemorySegment src = t.segment().asSlice(t.offset() * size, n * size);
            for (long pos = 0; pos < src.byteSize(); pos += CHUNK) {
                AtomicFiles.writeFully(ch, src.asSlice(pos, Math.min(CHUNK, src.byteSize() - pos)).asByteBuffer());
            }
            return;
        }
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
            if (buf.remaining() < size) {
                buf.flip();
                AtomicFiles.writeFully(ch, buf);
                buf.clear();
            }
            double v = t.getDouble(i);
            switch (t.dtype()) {
                case F32 -> buf.putFloat((float) v);
                case F64 -> buf.putDouble(v);
                case I32 -> buf.putInt((int) v);
            }
        }
        buf.flip();
        AtomicFiles.writeFully(ch, buf);
    }

    // ---- reading ------------------------------------------------------------------------------

    /** Reads and validates a whole file. */
    public static Contents read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new IOException(file + ": too short for a safetensors file (" + size + " bytes)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long n = lenBuf.getLong(0);
            if (n < 2 || n > MAX_HEADER || n > size - 8) {
                throw new IOException(file + ": invalid header length " + Long.toUnsignedString(n) + " for a file of " + size + " bytes");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8, file);
            byte[] headerBytes = hb.array();
            long dataLen = size - 8 - n;
            MemorySegment data = Arena.ofAuto().allocate(Math.max(dataLen, 1), 8).asSlice(0, dataLen);
            for (long pos = 0; pos < dataLen; pos += CHUNK) {
                ByteBuffer part = data.asSlice(pos, Math.min(CHUNK, dataLen - pos)).asByteBuffer();
                readFully(ch, part, 8 + n + pos, file);
            }
            return parse(file, headerBytes, data);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos, Path file) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) throw new IOException(file + ": unexpected end of file");
            pos += r;
        }
    }

    private static Contents parse(Path file, byte[] headerBytes, MemorySegment data) throws IOException {
        String text = new String(headerBytes, StandardCharsets.UTF_8);
        if (!text.startsWith("{")) throw new IOException(file + ": header does not start with '{'");
        JsonNode root;
        try {
            root = COMPACT.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": header is not valid JSON: " + e.getOriginalMessage().replace('\n', ' '), e);
        }
        if (root == null || !root.isObject()) throw new IOException(file + ": header is not a JSON object");
        Map<String, String> meta = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode v = f.getValue();
            if (f.getKey().equals("__metadata__")) {
                if (!v.isObject()) throw new IOException(file + ": __metadata__ is not an object");
                for (Iterator<Map.Entry<String, JsonNode>> m = v.fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> kv = m.next();
                    if (!kv.getValue().isTextual()) throw new IOException(file + ": metadata '" + kv.getKey() + "' is not a string");
                    meta.put(kv.getKey(), kv.getValue().textValue());
                }
                continue;
            }
            entries.add(entry(file, f.getKey(), v));
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expect = 0;
        for (Entry e : entries) {
            if (e.begin() != expect) {
                throw new IOException(file + ": tensor '" + e.name() + "' starts at " + e.begin() + ", expected " + expect
                        + " (offsets must be contiguous)");
            }
            expect = e.end();
        }
        if (expect != data.byteSize()) {
            throw new IOException(file + ": tensors cover " + expect + " bytes but the data buffer has " + data.byteSize());
        }
        Map<String, Entry> byName = new LinkedHashMap<>();
        for (Entry e : entries) byName.put(e.name(), e);
        return new Contents(Collections.unmodifiableMap(byName), Collections.unmodifiableMap(meta), headerBytes.length, data);
    }

    private static Entry entry(Path file, String name, JsonNode v) throws IOException {
        String where = file + ": tensor '" + name + "'";
        if (!v.isObject()) throw new IOException(where + " is not an object");
        Dtype dtype;
        try {
            dtype = Dtype.valueOf(v.path("dtype").asText(""));
        } catch (IllegalArgumentException e) {
            throw new IOException(where + " has unsupported dtype '" + v.path("dtype").asText("") + "' (supported: "
                    + Arrays.toString(Dtype.values()) + ")");
        }
        JsonNode s = v.path("shape"), o = v.path("data_offsets");
        if (!s.isArray()) throw new IOException(where + " has no shape array");
        if (!o.isArray() || o.size() != 2 || !o.get(0).canConvertToLong() || !o.get(1).canConvertToLong()) {
            throw new IOException(where + " needs data_offsets [begin, end]");
        }
        int[] shape = new int[s.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = s.get(i);
            if (!d.canConvertToInt() || d.asInt() < 0) throw new IOException(where + " has an invalid shape " + s);
            shape[i] = d.asInt();
            numel *= shape[i];
        }
        long b = o.get(0).asLong(), e = o.get(1).asLong();
        if (b < 0 || e < b || e - b != numel * dtype.bytes()) {
            throw new IOException(where + ": data_offsets " + o + " do not hold " + numel + " " + dtype + " elements");
        }
        return new Entry(name, dtype, shape, b, e);
    }

    // ---- contents -----------------------------------------------------------------------------

    /** A loaded file: header entries in data order, metadata, and the data buffer. */
    public static final class Contents {
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        private final Map<String, Entry> entries;
        private final Map<String, String> metadata;
        private final int headerLength;
        private final MemorySegment data;

        private Contents(Map<String, Entry> entries, Map<String, String> metadata, int headerLength, MemorySegment data) {
            this.entries = entries;
            this.metadata = metadata;
            this.headerLength = headerLength;
            this.data = data;
        }

        /** Entries by name, in data-offset order. */
        public Map<String, Entry> entries() { return entries; }

        public List<String> names() { return List.copyOf(entries.keySet()); }

        public Map<String, String> metadata() { return metadata; }

        /** N, the header's byte length (a multiple of 8 for files written here). */
        public int headerLength() { return headerLength; }

        public boolean contains(String name) { return entries.containsKey(name); }

        public Entry entry(String name) {
            Entry e = entries.get(name);
            if (e == null) throw new IllegalArgumentException("safetensors: no tensor '" + name + "'; present: " + entries.keySet());
            return e;
        }

        /** Element i as a double, converting from any stored dtype. */
        private double get(Entry e, long i) {
            long at = e.begin() + i * e.dtype().bytes();
            return switch (e.dtype()) {
                case F64 -> data.get(F64, at);
                case F32 -> data.get(F32, at);
                case F16 -> Float.float16ToFloat(data.get(I16, at));
                case BF16 -> Float.intBitsToFloat((data.get(I16, at) & 0xFFFF) << 16);
                case I64 -> data.get(I64, at);
                case I32 -> data.get(I32, at);
                case I16 -> data.get(I16, at);
                case I8 -> data.get(ValueLayout.JAVA_BYTE, at);
                case U8, BOOL -> data.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
            };
        }

        private static int count(Entry e) {
            long n = e.numel();
            if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("safetensors: '" + e.name() + "' has too many elements for an array");
            return (int) n;
        }

        /** The tensor as floats, converted from any dtype. */
        public float[] floats(String name) {
            Entry e = entry(name);
            float[] out = new float[count(e)];
            if (e.dtype() == Dtype.F32) {
                MemorySegment.copy(data, F32, e.begin(), out, 0, out.length);
            } else {
                for (int i = 0; i < out.length; i++) out[i] = (float) get(e, i);
            }
            return out;
        }

        /** The tensor as doubles, converted from any dtype. */
        public double[] doubles(String name) {
            Entry e = entry(name);
            double[] out = new double[count(e)];
            if (e.dtype() == Dtype.F64) {
                MemorySegment.copy(data, F64, e.begin(), out, 0, out.length);
            } else {
                for (int i = 0; i < out.length; i++) out[i] = get(e, i);
            }
            return out;
        }

        /** An integer tensor as ints (I64 values must fit). */
        public int[] ints(String name) {
            Entry e = entry(name);
            requireInteger(e);
            int[] out = new int[count(e)];
            if (e.dtype() == Dtype.I32) {
                MemorySegment.copy(data, I32, e.begin(), out, 0, out.length);
            } else {
                for (int i = 0; i < out.length; i++) {
                    long l = e.dtype() == Dtype.I64 ? data.get(I64, e.begin() + 8L * i) : (long) get(e, i);
                    if (l != (int) l) throw new ArithmeticException("safetensors: '" + name + "'[" + i + "] = " + l + " does not fit in an int");
                    out[i] = (int) l;
                }
            }
            return out;
        }

        /** An integer tensor as longs. */
        public long[] longs(String name) {
            Entry e = entry(name);
            requireInteger(e);
            long[] out = new long[count(e)];
            if (e.dtype() == Dtype.I64) {
                MemorySegment.copy(data, I64, e.begin(), out, 0, out.length);
            } else {
                for (int i = 0; i < out.length; i++) out[i] = (long) get(e, i);
            }
            return out;
        }

        /** The raw little-endian bytes of one tensor. */
        public byte[] bytes(String name) {
            Entry e = entry(name);
            return data.asSlice(e.begin(), e.end() - e.begin()).toArray(ValueLayout.JAVA_BYTE);
        }

        private static void requireInteger(Entry e) {
            if (e.dtype().isFloat()) throw new IllegalArgumentException("safetensors: '" + e.name() + "' is " + e.dtype() + ", not an integer type");
        }

        /**
         * Copies a stored tensor into {@code dst} (any device, any layout) for resuming. Shapes must
         * be equal; float data goes only into float tensors and integer data into I32 tensors.
         */
        public void readInto(String name, Tensor dst) {
            Entry e = entry(name);
            if (!Arrays.equals(e.shape(), dst.shape())) {
                throw new IllegalArgumentException("safetensors: '" + name + "' has shape " + Arrays.toString(e.shape())
                        + " but the destination has " + Arrays.toString(dst.shape()));
            }
            if (e.dtype().isFloat() != dst.dtype().isFloat()) {
                throw new IllegalArgumentException("safetensors: '" + name + "' is " + e.dtype() + " but the destination is " + dst.dtype());
            }
            if (dst.device().kind() != Device.Kind.CPU) {
                Backend be = Backends.of(dst);
                try (Scope _ = Scope.open()) {
                    Tensor tmp = switch (dst.dtype()) {
                        case F32 -> be.fromHost(floats(name), dst.shape());
                        case F64 -> be.fromHost(doubles(name), dst.shape());
                        case I32 -> be.fromHost(ints(name), dst.shape());
                    };
                    be.copy(tmp, dst);
                }
                return;
            }
            MemorySegment seg = dst.segment();
            long n = e.numel();
            boolean same = Dtype.of(dst.dtype()) == e.dtype();
            if (same && dst.isContiguous()) {
                int size = e.dtype().bytes();
                ValueLayout src = switch (dst.dtype()) { case F32 -> F32; case F64 -> F64; case I32 -> I32; };
                ValueLayout nat = switch (dst.dtype()) {
                    case F32 -> ValueLayout.JAVA_FLOAT;
                    case F64 -> ValueLayout.JAVA_DOUBLE;
                    case I32 -> ValueLayout.JAVA_INT;
                };
                MemorySegment.copy(data, src, e.begin(), seg, nat, dst.offset() * size, n);
                return;
            }
            if (dst.dtype() == DType.I32) {
                int[] v = ints(name);
                for (int i = 0; i < v.length; i++) dst.setDouble(i, v[i]);
            } else {
                for (long i = 0; i < n; i++) dst.setDouble(i, get(e, i));
            }
        }
    }
}
