package dev.groklab.cli;

import dev.groklab.io.MetricsCsv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `train --init-from`: a run starts from exactly a checkpoint's weights; bad sources are one-line errors. */
class InitFromCommandTest {
    private static final String[] SMALL = {"train", "--model", "mlp", "--p", "23", "--frac", "0.5", "--hidden", "32",
            "--embed", "8", "--lr", "1e-2", "--quiet"};

    private record Result(int code, String err) {}

    private static Result run(String... args) {
        StringWriter sw = new StringWriter();
        int code = Main.run(new PrintWriter(sw, true), args);
        return new Result(code, sw.toString());
    }

    private static String[] small(String... more) {
        List<String> a = new ArrayList<>(List.of(SMALL));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** (train_loss, train_acc) of every model at a step, from metrics.csv. */
    private static List<double[]> row(Path run, int step) throws IOException {
        List<String> lines = Files.readAllLines(run.resolve("metrics.csv"));
        List<String> head = MetricsCsv.parseLine(lines.get(0));
        int s = head.indexOf("step"), l = head.indexOf("train_loss"), a = head.indexOf("train_acc"), t = head.indexOf("test_acc");
        List<double[]> out = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = MetricsCsv.parseLine(line);
            if (Integer.parseInt(f.get(s)) == step) {
                out.add(new double[]{Double.parseDouble(f.get(l)), Double.parseDouble(f.get(a)), Double.parseDouble(f.get(t))});
            }
        }
        return out;
    }

    @Test void startsFromTheCheckpointsWeights(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("src");
        Result r = run(small("--steps", "30", "--eval-every", "10", "--checkpoint-every", "10", "--out", src.toString()));
        assertEquals(0, r.code(), r.err());
        double[] at20 = row(src, 20).get(0), at30 = row(src, 30).get(0), at0 = row(src, 0).get(0);
        assertTrue(at20[0] != at0[0], "training must have moved the loss");

        Path fromStep = tmp.resolve("from20");
        r = run(small("--steps", "1", "--eval-every", "1", "--out", fromStep.toString(), "--init-from", src + "@20"));
        assertEquals(0, r.code(), r.err());
        double[] start = row(fromStep, 0).get(0);
        assertEquals(at20[1], start[1], "train accuracy");
        assertEquals(at20[2], start[2], "test accuracy");
        assertEquals(at20[0], start[0], 1e-12, "train loss");

        // The latest checkpoint, copied into every model of a --wd grid.
        Path grid = tmp.resolve("grid");
        r = run(small("--steps", "1", "--eval-every", "1", "--out", grid.toString(), "--init-from", src.toString(), "--wd", "0,1"));
        assertEquals(0, r.code(), r.err());
        List<double[]> models = row(grid, 0);
        assertEquals(2, models.size());
        for (double[] m : models) {
            assertEquals(at30[1], m[1], "train accuracy");
            assertEquals(at30[0], m[0], 1e-12, "train loss");
        }
    }

    private static void badInput(Path out, String expect, String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.add("--out");
        a.add(out.toString());
        Result r = run(a.toArray(String[]::new));
        assertEquals(2, r.code(), "exit code for " + String.join(" ", args) + ": " + r.err());
        assertTrue(r.err().contains(expect), "message for " + String.join(" ", args) + ": " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(Files.exists(out), "bad input must not create " + out);
    }

    @Test void badSourcesAndValuesExitTwoWithOneLine(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("src");
        assertEquals(0, run(small("--steps", "10", "--eval-every", "10", "--out", src.toString())).code());
        Path out = tmp.resolve("bad");
        badInput(out, "--init-from", small("--steps", "1", "--init-from", tmp.resolve("nowhere").toString()));
        badInput(out, "no checkpoint of step 7", small("--steps", "1", "--init-from", src + "@7"));
        badInput(out, "param.", small("--steps", "1", "--init-from", src.toString(), "--hidden", "16"));
        badInput(out, "--init-from", small("--steps", "1", "--init-from", src.toString(), "--seeds", "2", "--hidden", "16"));
        badInput(out, "--weight-noise", small("--steps", "1", "--weight-noise", "-1"));
        badInput(out, "--grad-noise", small("--steps", "1", "--grad-noise", "NaN"));
        badInput(out, "--norm-target needs --norm-strength", small("--steps", "1", "--norm-target", "30"));
        badInput(out, "--hmc-leapfrog", small("--steps", "1", "--optimizer", "hmc", "--hmc-leapfrog", "0"));
    }
}
