package dev.groklab.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsTest {
    @TempDir Path tmp;
    private final Backend be = Backends.cpu();

    private Map<String, Tensor> sample() {
        float[] f = new float[12];
        for (int i = 0; i < f.length; i++) f[i] = i * 0.5f - 2.25f;
        double[] d = {Math.PI, -1e-300, Double.MAX_VALUE};
        int[] n = {0, -7, Integer.MAX_VALUE, Integer.MIN_VALUE, 42, 3};
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("embed.weight", be.fromHost(f, 3, 4));
        m.put("embed.weight.T", be.fromHost(f, 3, 4).transpose(0, 1)); // strided view
        m.put("scale", be.fromHost(d, 3));
        m.put("tokens", be.fromHost(n, 2, 3));
        m.put("slice", be.fromHost(f, 3, 4).slice(1, 1, 3)); // offset + strided
        return m;
    }

    @Test void roundTripsDtypesViewsAndMetadata() throws IOException {
        try (Scope s = Scope.open()) {
            Map<String, Tensor> m = sample();
            Path f = tmp.resolve("ckpt.safetensors");
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("step", "1000");
            meta.put("config", "{\"task\": \"add\", \"ü\": 1}");
            Safetensors.write(f, m, meta);
            Safetensors.Contents c = Safetensors.read(f);
            assertEquals(List.copyOf(m.keySet()), c.names());
            assertEquals(meta, c.metadata());
            assertArrayEquals(m.get("embed.weight").toFloatArray(), c.floats("embed.weight"));
            assertArrayEquals(m.get("embed.weight.T").toFloatArray(), c.floats("embed.weight.T"));
            assertArrayEquals(new int[]{4, 3}, c.entry("embed.weight.T").shape());
            assertEquals(Safetensors.Dtype.F32, c.entry("embed.weight.T").dtype());
            assertArrayEquals(m.get("scale").toDoubleArray(), c.doubles("scale"));
            assertEquals(Safetensors.Dtype.F64, c.entry("scale").dtype());
            assertArrayEquals(m.get("tokens").toIntArray(), c.ints("tokens"));
            assertEquals(Safetensors.Dtype.I32, c.entry("tokens").dtype());
            assertArrayEquals(new long[]{0, -7, Integer.MAX_VALUE, Integer.MIN_VALUE, 42, 3}, c.longs("tokens"));
            assertArrayEquals(m.get("slice").toFloatArray(), c.floats("slice"));
            assertThrows(IllegalArgumentException.class, () -> c.ints("scale"));
            assertThrows(IllegalArgumentException.class, () -> c.floats("missing"));

            // readInto: dense, transposed destination, and a shape mismatch
            Tensor dst = be.empty(dev.groklab.tensor.DType.F32, 3, 4);
            c.readInto("embed.weight", dst);
            assertArrayEquals(m.get("embed.weight").toFloatArray(), dst.toFloatArray());
            Tensor dstT = be.empty(dev.groklab.tensor.DType.F32, 3, 4).transpose(0, 1);
            c.readInto("embed.weight.T", dstT);
            assertArrayEquals(m.get("embed.weight.T").toFloatArray(), dstT.toFloatArray());
            Tensor d64 = be.empty(dev.groklab.tensor.DType.F64, 3, 4);
            c.readInto("embed.weight", d64);
            assertArrayEquals(m.get("embed.weight").toDoubleArray(), d64.toDoubleArray());
            Tensor ti = be.empty(dev.groklab.tensor.DType.I32, 2, 3);
            c.readInto("tokens", ti);
            assertArrayEquals(m.get("tokens").toIntArray(), ti.toIntArray());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.readInto("embed.weight", be.empty(dev.groklab.tensor.DType.F32, 4, 3)));
            assertTrue(e.getMessage().contains("[3, 4]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> c.readInto("tokens", be.empty(dev.groklab.tensor.DType.F32, 2, 3)));
        }
    }

    @Test void roundTripIsBitExactForEveryFloatPattern() throws IOException {
        java.util.Random r = new java.util.Random(7);
        float[] f = new float[4099];
        double[] d = new double[1031];
        for (int i = 0; i < f.length; i++) f[i] = Float.intBitsToFloat(r.nextInt());
        for (int i = 0; i < d.length; i++) d[i] = Double.longBitsToDouble(r.nextLong());
        f[0] = -0f; f[1] = Float.MIN_VALUE; f[2] = Float.NaN; d[0] = -0d; d[1] = Double.MIN_VALUE;
        try (Scope s = Scope.open()) {
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("f", be.fromHost(f, f.length));
            m.put("d", be.fromHost(d, d.length));
            Path p = tmp.resolve("bits.safetensors");
            Safetensors.write(p, m, Map.of());
            Safetensors.Contents c = Safetensors.read(p);
            float[] f2 = c.floats("f");
            double[] d2 = c.doubles("d");
            Tensor into = be.empty(dev.groklab.tensor.DType.F32, f.length);
            c.readInto("f", into);
            for (int i = 0; i < f.length; i++) {
                assertEquals(Float.floatToRawIntBits(f[i]), Float.floatToRawIntBits(f2[i]), "float " + i);
                // raw bits: a float→double→float trip would quiet signalling NaNs
                assertEquals(Float.floatToRawIntBits(f[i]), into.segment().getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, i), "readInto " + i);
            }
            for (int i = 0; i < d.length; i++) assertEquals(Double.doubleToRawLongBits(d[i]), Double.doubleToRawLongBits(d2[i]), "double " + i);
        }
    }

    @Test void headerLayoutIsExact() throws IOException {
        try (Scope s = Scope.open()) {
            Map<String, Tensor> m = sample();
            Path f = tmp.resolve("h.safetensors");
            Safetensors.write(f, m, Map.of("a", "b"));
            byte[] all = Files.readAllBytes(f);
            long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, n % 8, "header length is a multiple of 8");
            String header = new String(all, 8, (int) n, StandardCharsets.UTF_8);
            assertTrue(header.startsWith("{"));
            String trimmed = header.stripTrailing();
            assertTrue(trimmed.endsWith("}"));
            assertTrue(header.substring(trimmed.length()).chars().allMatch(ch -> ch == ' '), "padding is spaces");
            assertTrue(header.length() - trimmed.length() < 8);
            JsonNode root = new ObjectMapper().readTree(trimmed);
            assertEquals("b", root.get("__metadata__").get("a").asText());
            long expect = 0;
            List<String> names = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                names.add(e.getKey());
                JsonNode off = e.getValue().get("data_offsets");
                assertEquals(expect, off.get(0).asLong(), e.getKey());
                Tensor t = m.get(e.getKey());
                long bytes = (long) t.numel() * t.dtype().bytes();
                assertEquals(expect + bytes, off.get(1).asLong(), e.getKey());
                expect += bytes;
                List<Integer> shape = new ArrayList<>();
                e.getValue().get("shape").forEach(x -> shape.add(x.asInt()));
                assertEquals(java.util.Arrays.stream(t.shape()).boxed().toList(), shape);
            }
            assertEquals(List.copyOf(m.keySet()), names);
            assertEquals(8 + n + expect, all.length, "data buffer ends exactly at the last offset");
            // little-endian element bytes: embed.weight[1] = -1.75f
            int bits = ByteBuffer.wrap(all, (int) (8 + n + 4), 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            assertEquals(-1.75f, Float.intBitsToFloat(bits));
        }
    }

    @Test void knownBytesForTinyFile() throws IOException {
        try (Scope s = Scope.open()) {
            Path f = tmp.resolve("tiny.safetensors");
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("x", be.fromHost(new float[]{1f, 2f}, 2));
            Safetensors.write(f, m, null);
            byte[] all = Files.readAllBytes(f);
            String json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
            int padded = (json.length() + 7) / 8 * 8;
            assertEquals(8 + padded + 8, all.length);
            assertEquals(padded, all[0]);
            assertEquals(json + " ".repeat(padded - json.length()), new String(all, 8, padded, StandardCharsets.US_ASCII));
        }
    }

    @Test void rejectsCorruptFiles() throws IOException {
        Path f = tmp.resolve("bad.safetensors");
        Files.write(f, new byte[]{1, 2, 3});
        assertThrows(IOException.class, () -> Safetensors.read(f));
        ByteBuffer b = ByteBuffer.allocate(16 + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(1L << 40);
        Files.write(f, b.array());
        assertTrue(assertThrows(IOException.class, () -> Safetensors.read(f)).getMessage().contains("header length"));
        String gap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        writeRaw(f, gap, 8);
        assertTrue(assertThrows(IOException.class, () -> Safetensors.read(f)).getMessage().contains("contiguous"));
        String wrongSize = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        writeRaw(f, wrongSize, 8);
        assertThrows(IOException.class, () -> Safetensors.read(f));
        String extra = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        writeRaw(f, extra, 8);
        assertTrue(assertThrows(IOException.class, () -> Safetensors.read(f)).getMessage().contains("cover"));
        String half = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[4,6]},"
                + "\"u\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[6,8]}}";
        Path g = tmp.resolve("half.safetensors");
        writeRaw(g, half, 8, new byte[]{0x00, 0x3C, 0x00, (byte) 0xC0, (byte) 0x80, 0x3F, (byte) 200, 7});
        Safetensors.Contents c = Safetensors.read(g);
        assertArrayEquals(new float[]{1f, -2f}, c.floats("h"));
        assertArrayEquals(new float[]{1f}, c.floats("b"));
        assertArrayEquals(new int[]{200, 7}, c.ints("u"));
    }

    private static void writeRaw(Path f, String header, int dataBytes) throws IOException {
        writeRaw(f, header, dataBytes, new byte[dataBytes]);
    }

    private static void writeRaw(Path f, String header, int dataBytes, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Files.write(f, b.array());
    }

    @Test void loadsInPythonWhenSafetensorsIsInstalled() throws Exception {
        Path py = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(py), "no /usr/bin/python3");
        Process probe = new ProcessBuilder(py.toString(), "-c", "import safetensors.numpy").redirectErrorStream(true).start();
        probe.getInputStream().readAllBytes();
        Assumptions.assumeTrue(probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0, "python3 has no safetensors module");
        try (Scope s = Scope.open()) {
            Map<String, Tensor> m = sample();
            Path f = tmp.resolve("py.safetensors");
            Safetensors.write(f, m, Map.of("step", "7"));
            String script = String.join("\n",
                    "import sys, numpy as np",
                    "from safetensors.numpy import load_file",
                    "from safetensors import safe_open",
                    "t = load_file(sys.argv[1])",
                    "a = t['embed.weight']",
                    "assert a.dtype == np.float32 and a.shape == (3, 4)",
                    "assert np.array_equal(t['embed.weight.T'], a.T)",
                    "assert t['scale'].dtype == np.float64 and t['tokens'].dtype == np.int32",
                    "assert t['tokens'].reshape(-1).tolist() == [0, -7, 2147483647, -2147483648, 42, 3]",
                    "with safe_open(sys.argv[1], 'np') as fh: assert fh.metadata() == {'step': '7'}",
                    "print('ok')");
            Process p = new ProcessBuilder(py.toString(), "-c", script, f.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("ok"), out);
        }
    }
}
