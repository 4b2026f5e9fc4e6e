package dev.groklab.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFilesTest {
    @TempDir Path tmp;

    @Test void replacesContentAndLeavesNoTemporaries() throws IOException {
        Path f = tmp.resolve("sub/dir/a.txt");
        AtomicFiles.writeString(f, "one");
        AtomicFiles.writeString(f, "two ü");
        assertEquals("two ü", Files.readString(f));
        AtomicFiles.write(f, new byte[]{1, 2, 3});
        assertEquals(3, Files.size(f));
        try (var s = Files.list(f.getParent())) { assertEquals(List.of(f), s.toList()); }
    }

    @Test void failedWriteKeepsOldFile() throws IOException {
        Path f = tmp.resolve("b.txt");
        AtomicFiles.writeString(f, "old");
        assertThrows(IOException.class, () -> AtomicFiles.write(f, ch -> {
            ch.write(java.nio.ByteBuffer.wrap("partial".getBytes()));
            throw new IOException("disk full");
        }));
        assertEquals("old", Files.readString(f));
        try (var s = Files.list(tmp)) { assertEquals(1, s.count()); }
    }

    record Config(String task, int p, double frac, double lr, List<Integer> seeds, Map<String, String> extra) {}

    @Test void jsonRoundTripsRecordsAndMaps() throws IOException {
        Path f = tmp.resolve("config.json");
        Config c = new Config("add", 113, 0.3, 1e-3, List.of(0, 1, 2), Map.of("k", "v"));
        Json.write(f, c);
        String text = Files.readString(f);
        assertTrue(text.contains("\n  \"task\" : \"add\""), text);
        assertTrue(text.endsWith("}\n"));
        assertEquals(c, Json.read(f, Config.class));
        assertEquals(113, Json.read(f).get("p").asInt());
        Map<String, Object> m = Json.readMap(f);
        assertEquals(List.of(0, 1, 2), m.get("seeds"));
        Json.write(f, Map.of("loss", Double.NaN, "step", 5L));
        assertTrue(Double.isNaN(Json.read(f).get("loss").asDouble()));
        record Loss(double loss, long step) {}
        assertTrue(Double.isNaN(Json.read(f, Loss.class).loss()));
    }
}
