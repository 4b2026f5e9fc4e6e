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
    /** summary.json without its timing fields, which differ between sessions of one run. */
    private static JsonNode withoutTimes(Path dir) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode n =
                (com.fasterxml.jackson.databind.node.ObjectNode) new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        n.remove("seconds");
        n.remove("walker_steps_per_second");
        return n;
    }

    /** metrics.csv without its two timing columns. */
    private static java.util.List<String> metricsWithoutTimes(Path dir) throws Exception {
        return Files.readAllLines(dir.resolve("metrics.csv")).stream()
                .map(l -> String.join(",", java.util.Arrays.copyOf(l.split(",", -1), 8))).toList();
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) Files.copy(p, to.resolve(from.relativize(p).toString()));
        }
    }

    @Test void anInterruptedRunResumesWithTheSameBits() throws Exception {
        Path whole = tmp.resolve("whole"), cut = tmp.resolve("cut");
        Run r = walk("--walkers", "1001", "--steps", "150", "--every", "10", "--burn-in", "20", "--kernel", "simd",
                "--bins", "16", "--checkpoint-every", "40", "--out", whole.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(whole.resolve("checkpoints/step-0000000150.safetensors")));
        assertTrue(metricsWithoutTimes(whole).size() > 10, "a metrics row per sampling time");
        // The run as a crash after the checkpoint at step 120 leaves it: no later checkpoint, no results.
        copyTree(whole, cut);
        for (String f : new String[]{"checkpoints/step-0000000150.safetensors", "summary.json", "histogram.csv", "heatmap.png"}) {
            Files.delete(cut.resolve(f));
        }
        assertTrue(Files.exists(cut.resolve("checkpoints/step-0000000120.safetensors")));
        Run resumed = walk("--resume", cut.toString());
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(Files.readString(whole.resolve("histogram.csv")), Files.readString(cut.resolve("histogram.csv")));
        assertEquals(withoutTimes(whole), withoutTimes(cut));
        assertEquals(metricsWithoutTimes(whole), metricsWithoutTimes(cut));
    }

    @Test void resumeWithMoreStepsEqualsTheLongerRun() throws Exception {
        // Final positions only (--every 0): the extension samples once, at its new end.
        Path longer = tmp.resolve("longer"), extended = tmp.resolve("extended");
        String[] common = {"--preset", "seed000-a", "--walkers", "700", "--bins", "16"};
        assertEquals(0, walk(concat(common, "--steps", "120", "--out", longer.toString())).code());
        assertEquals(0, walk(concat(common, "--steps", "50", "--out", extended.toString())).code());
        Run r = walk("--resume", extended.toString(), "--steps", "120");
        assertEquals(0, r.code(), r.err());
        assertEquals(withoutTimes(longer), withoutTimes(extended));
        assertEquals(Files.readString(longer.resolve("histogram.csv")), Files.readString(extended.resolve("histogram.csv")));
        assertEquals(120, new ObjectMapper().readTree(extended.resolve("config.json").toFile()).get("steps").asInt());
    }

    @Test void resumeAndRunDirectoryMisuseExitTwoAndKeepWhatIsWritten() throws Exception {
        Path run = tmp.resolve("kept");
        assertEquals(0, walk("--preset", "hmc-gaussian", "--walkers", "200", "--steps", "20", "--out", run.toString()).code());
        String summary = Files.readString(run.resolve("summary.json"));
        Path graph = tmp.resolve("graph");
        assertEquals(0, walk("--preset", "crossing-lines", "--walkers", "64", "--steps", "300", "--burn-in", "50",
                "--out", graph.toString()).code());
        String[][] bad = {
                {"--resume", run.toString(), "--walkers", "5"}, {"--resume", run.toString(), "--steps", "10"},
                {"--resume", tmp.resolve("absent").toString()}, {"--out", run.toString()},
                {"--resume", graph.toString()}, {"--preset", "crossing-lines", "--checkpoint-every", "100"},
                {"--checkpoint-every", "-1"}};
        String[] names = {"--walkers", "--steps", "absent", "not empty", "graph", "--checkpoint-every", "--checkpoint-every"};
        for (int i = 0; i < bad.length; i++) {
            Run r = walk(bad[i]);
            assertEquals(2, r.code(), String.join(" ", bad[i]) + ": " + r.err());
            String first = r.err().lines().findFirst().orElse("");
            assertTrue(first.contains(names[i]), "'" + first + "' should name " + names[i]);
        }
        assertEquals(summary, Files.readString(run.resolve("summary.json")), "a refused command leaves the run as it was");
    }

    @Test void refusedResumesChangeNothingAndADamagedCheckpointFallsBack() throws Exception {
        Path run = tmp.resolve("offgrid");
        // 155 steps, a sample every 10 after a burn-in of 20: the last step lies between sampling times.
        assertEquals(0, walk("--walkers", "300", "--steps", "155", "--every", "10", "--burn-in", "20", "--kernel", "scalar",
                "--bins", "8", "--checkpoint-every", "50", "--out", run.toString()).code());
        String config = Files.readString(run.resolve("config.json")), metrics = Files.readString(run.resolve("metrics.csv"));
        String[][] bad = {{"--steps", "200"}, {"--steps", "400", "--checkpoint-every", "-1"}, {"--steps", "100"}};
        String[] names = {"between sampling times", "--checkpoint-every", "--steps must be >= 155"};
        for (int i = 0; i < bad.length; i++) {
            Run r = walk(concat(new String[]{"--resume", run.toString()}, bad[i]));
            assertEquals(2, r.code(), String.join(" ", bad[i]) + ": " + r.err());
            assertTrue(r.err().lines().findFirst().orElse("").contains(names[i]), r.err());
            assertEquals(config, Files.readString(run.resolve("config.json")), "config.json untouched");
            assertEquals(metrics, Files.readString(run.resolve("metrics.csv")), "metrics.csv untouched");
        }
        // A torn newest checkpoint: the resume continues from the one before it, with the same result.
        String whole = Files.readString(run.resolve("histogram.csv"));
        Path newest = run.resolve("checkpoints/step-0000000155.safetensors");
        Files.write(newest, java.util.Arrays.copyOf(Files.readAllBytes(newest), 100));
        Files.delete(run.resolve("histogram.csv"));
        Run r = walk("--resume", run.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("skipping checkpoint step-0000000155"), r.err());
        assertEquals(whole, Files.readString(run.resolve("histogram.csv")));
        assertEquals(metrics.lines().map(l -> String.join(",", java.util.Arrays.copyOf(l.split(",", -1), 8))).toList(),
                metricsWithoutTimes(run));
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
