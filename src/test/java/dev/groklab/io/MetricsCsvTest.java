package dev.groklab.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsCsvTest {
    @TempDir Path tmp;
    private static final List<String> COLS = List.of("step", "model", "train_loss", "test_acc", "note");

    @Test void formatsCompactlyAndRoundTrips() {
        assertEquals("nan", MetricsCsv.format(Double.NaN));
        assertEquals("inf", MetricsCsv.format(Double.POSITIVE_INFINITY));
        assertEquals("-inf", MetricsCsv.format(Float.NEGATIVE_INFINITY));
        assertEquals("", MetricsCsv.format((Object) null));
        assertEquals("3", MetricsCsv.format(3.0));
        assertEquals("-0", MetricsCsv.format(-0.0));
        assertEquals("0.1", MetricsCsv.format(0.1));
        assertEquals("0.1", MetricsCsv.format(0.1f));
        assertEquals("1e-5", MetricsCsv.format(1e-5));
        assertEquals("1.5e20", MetricsCsv.format(1.5e20));
        assertEquals("12", MetricsCsv.format(12L));
        assertEquals("true", MetricsCsv.format(true));
        assertEquals("\"a,b\"", MetricsCsv.format("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", MetricsCsv.format("say \"hi\""));
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < 20_000; i++) {
            double v = Double.longBitsToDouble(r.nextLong());
            if (!Double.isFinite(v)) continue;
            double back = MetricsCsv.parseDouble(MetricsCsv.format(v));
            assertEquals(Double.doubleToLongBits(v), Double.doubleToLongBits(back), "" + v);
            float f = Float.intBitsToFloat(r.nextInt());
            if (Float.isFinite(f)) assertEquals(f, (float) MetricsCsv.parseDouble(MetricsCsv.format(f)));
            double g = r.nextGaussian() * Math.pow(10, r.nextInt(40) - 20);
            assertEquals(g, MetricsCsv.parseDouble(MetricsCsv.format(g)));
        }
        assertTrue(Double.isNaN(MetricsCsv.parseDouble("nan")));
    }

    @Test void writesFlushedRowsAndAppendsOnResume() throws IOException {
        Path f = tmp.resolve("metrics.csv");
        try (MetricsCsv csv = MetricsCsv.open(f, COLS, false)) {
            csv.row(0, 0, 4.6, 0.01, null);
            // flushed at once: visible to another reader before close
            assertEquals(List.of("step,model,train_loss,test_acc,note", "0,0,4.6,0.01,"), Files.readAllLines(f));
            csv.row(List.of(10, 1, Double.NaN, 0.5f, "x,y"));
            Map<String, Object> byName = new LinkedHashMap<>();
            byName.put("step", 20);
            byName.put("test_acc", 1.0);
            csv.row(byName);
            assertThrows(IllegalArgumentException.class, () -> csv.row(1, 2));
            assertThrows(IllegalArgumentException.class, () -> csv.row(Map.of("bogus", 1)));
        }
        try (MetricsCsv csv = MetricsCsv.open(f, COLS, true)) {
            csv.row(30, 0, 0.001, 1, "resumed");
            csv.sync();
        }
        assertEquals(List.of("step,model,train_loss,test_acc,note", "0,0,4.6,0.01,", "10,1,nan,0.5,\"x,y\"",
                "20,,,1,", "30,0,0.001,1,resumed"), Files.readAllLines(f));
        assertEquals(List.of("10", "1", "nan", "0.5", "x,y"), MetricsCsv.parseLine("10,1,nan,0.5,\"x,y\""));

        // a torn last line (killed mid-write) is cut off before appending
        Files.writeString(f, "40,0,0.2", StandardOpenOption.APPEND);
        try (MetricsCsv csv = MetricsCsv.open(f, COLS, true)) {
            csv.row(40, 0, 0.2, 1, null);
        }
        List<String> lines = Files.readAllLines(f);
        assertEquals("40,0,0.2,1,", lines.get(lines.size() - 1));
        assertEquals(6, lines.size());

        // a different header is refused on resume
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MetricsCsv.open(f, List.of("step", "loss"), true));
        assertTrue(e.getMessage().contains("step,loss"), e.getMessage());

        // non-append replaces
        try (MetricsCsv csv = MetricsCsv.open(f, List.of("step"), false)) { csv.row(1); }
        assertEquals(List.of("step", "1"), Files.readAllLines(f));
    }

    @Test void appendToMissingOrEmptyFileWritesHeader() throws IOException {
        Path f = tmp.resolve("new/metrics.csv");
        try (MetricsCsv csv = MetricsCsv.open(f, COLS, true)) { csv.row(1, 0, 1.0, 0.0, "a"); }
        assertEquals(2, Files.readAllLines(f).size());
        Path g = tmp.resolve("empty.csv");
        Files.createFile(g);
        try (MetricsCsv csv = MetricsCsv.open(g, COLS, true)) { csv.row(1, 0, 1.0, 0.0, "a"); }
        assertEquals(COLS.get(0), Files.readAllLines(g).get(0).split(",")[0]);
    }

    @Test void truncateAfterDropsRowsPastTheCheckpoint() throws IOException {
        Path f = tmp.resolve("m.csv");
        try (MetricsCsv csv = MetricsCsv.open(f, List.of("step", "loss"), false)) {
            for (int s = 0; s <= 50; s += 10) csv.row(s, 1.0 / (s + 1));
        }
        Files.writeString(f, "60,0.0", StandardOpenOption.APPEND);
        assertEquals(2, MetricsCsv.truncateAfter(f, "step", 30));
        List<String> lines = Files.readAllLines(f);
        assertEquals(5, lines.size());
        assertTrue(lines.get(4).startsWith("30,"));
        assertThrows(IllegalArgumentException.class, () -> MetricsCsv.truncateAfter(f, "epoch", 1));
        assertEquals(0, MetricsCsv.truncateAfter(tmp.resolve("absent.csv"), "step", 1));
    }
}
