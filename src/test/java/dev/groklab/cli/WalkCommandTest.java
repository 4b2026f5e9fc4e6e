package dev.groklab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WalkCommandTest {
    @TempDir Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run walk(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new WalkCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test void presetWritesTheRunDirectory() throws Exception {
        Path dir = tmp.resolve("seed000a");
        Run r = walk("--preset", "seed000-a", "--walkers", "2000", "--bins", "32", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : new String[]{"config.json", "histogram.csv", "heatmap.png", "summary.json"}) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode config = json.readTree(dir.resolve("config.json").toFile());
        assertEquals("sgd", config.get("dynamics").asText());
        assertEquals(0.01, config.get("epsilon").asDouble(), 1e-6);
        assertEquals(100, config.get("a").asDouble(), 1e-6);
        assertEquals(2000, config.get("walkers").asInt());
        assertFalse(config.get("torus").asBoolean());
        JsonNode summary = json.readTree(dir.resolve("summary.json").toFile());
        for (String k : new String[]{"empirical_mass_near", "gibbs_mass_near", "ratio", "walker_steps_per_second"}) {
            assertTrue(summary.has(k), k);
        }
        assertEquals(1 + 32 * 32, Files.readAllLines(dir.resolve("histogram.csv")).size());
        byte[] png = Files.readAllBytes(dir.resolve("heatmap.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        assertTrue(r.out().contains("mass within"), r.out());
    }

    @Test void graphPresetReportsTheDegreeRatio() throws Exception {
        Path dir = tmp.resolve("lines");
        Run r = walk("--preset", "crossing-lines", "--walkers", "256", "--steps", "3000", "--burn-in", "500", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode summary = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertEquals(2.0, summary.get("degree_ratio").asDouble(), 0);
        assertEquals(2.0, summary.get("origin_to_mean_ratio").asDouble(), 0.3);
        assertTrue(Files.size(dir.resolve("heatmap.png")) > 0);
    }

    @Test void hmcPresetReportsAcceptance() throws Exception {
        Path dir = tmp.resolve("hmc");
        Run r = walk("--preset", "hmc-gaussian", "--walkers", "500", "--steps", "50", "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode summary = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertTrue(summary.get("acceptance_rate").asDouble() > 0.5);
    }

    @Test void badValuesExitTwoWithOneClearLineAndWriteNothing() {
        String[][] bad = {
                {"--temperature", "-1"}, {"--dt", "0"}, {"--walkers", "0"}, {"--potential", "saddle"},
                {"--dynamics", "langevin"}, {"--torus", "0"}, {"--preset", "seed999"}, {"--kernel", "gpu"},
                {"--beta", "1", "--dynamics", "sgd"}, {"--torus", "1", "--plane"}};
        String[] names = {"--temperature", "--dt", "--walkers", "--potential", "--dynamics", "--torus", "--preset", "--kernel",
                "--beta", "--plane"};
        for (int i = 0; i < bad.length; i++) {
            Path dir = tmp.resolve("bad" + i);
            String[] args = new String[bad[i].length + 2];
            System.arraycopy(bad[i], 0, args, 0, bad[i].length);
            args[bad[i].length] = "--out";
            args[bad[i].length + 1] = dir.toString();
            Run r = walk(args);
            assertEquals(2, r.code(), String.join(" ", bad[i]) + ": " + r.err());
            String first = r.err().lines().findFirst().orElse("");
            assertTrue(first.contains(names[i]), "'" + first + "' should name " + names[i]);
            assertFalse(Files.exists(dir), "nothing written for " + String.join(" ", bad[i]));
        }
        Run r = walk("--potential", "saddle", "--out", tmp.resolve("x").toString());
        assertTrue(r.err().contains("crossing, paraboloid, valley, lines"), r.err());
    }
    @Test void openClBackendRunsTheWalkAndRecordsItsKernel() throws Exception {
        dev.groklab.backend.opencl.OpenClTesting.backend();
        String[] common = {"--preset", "seed002-torus", "--walkers", "1001", "--steps", "300", "--burn-in", "100", "--bins", "16"};
        Path dev = tmp.resolve("opencl"), cpu = tmp.resolve("cpu");
        Run r = walk(concat(common, "--backend", "opencl", "--out", dev.toString()));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("opencl kernel"), r.out());
        Run c = walk(concat(common, "--kernel", "scalar", "--out", cpu.toString()));
        assertEquals(0, c.code(), c.err());
        ObjectMapper json = new ObjectMapper();
        JsonNode sd = json.readTree(dev.resolve("summary.json").toFile()), sc = json.readTree(cpu.resolve("summary.json").toFile());
        assertEquals("opencl", sd.get("kernel").asText());
        assertEquals("scalar", sc.get("kernel").asText());
        assertEquals(sc.get("samples").asLong(), sd.get("samples").asLong());
        // Same Philox draws: the occupancy near the crossing agrees (to the few samples a last-bit difference can move).
        assertEquals(sc.get("empirical_mass_near").asDouble(), sd.get("empirical_mass_near").asDouble(), 1e-3);
        assertEquals(1 + 16 * 16, Files.readAllLines(dev.resolve("histogram.csv")).size());
    }

    @Test void deviceBackendRefusesDynamicsThatRunOnTheCpuOnly() {
        String[][] bad = {{"--preset", "hmc-gaussian", "--backend", "opencl"}, {"--preset", "crossing-lines", "--backend", "cuda"},
                {"--dynamics", "brownian", "--kernel", "simd", "--backend", "opencl"}, {"--backend", "tpu"}};
        String[][] want = {{"--backend opencl", "brownian and sgd", "hmc"}, {"--backend cuda", "brownian and sgd", "graph"},
                {"--kernel simd", "--backend opencl"}, {"--backend", "tpu"}};
        for (int i = 0; i < bad.length; i++) {
            Path dir = tmp.resolve("dev" + i);
            Run r = walk(concat(bad[i], "--out", dir.toString()));
            assertEquals(2, r.code(), String.join(" ", bad[i]) + ": " + r.err());
            String first = r.err().lines().findFirst().orElse("");
            for (String w : want[i]) assertTrue(first.contains(w), "'" + first + "' should say " + w);
            assertFalse(Files.exists(dir), "nothing written for " + String.join(" ", bad[i]));
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
