package dev.groklab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.groklab.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainCommandTest {
    private record Result(int code, String err) {}

    private static Result run(String... args) {
        StringWriter sw = new StringWriter();
        int code = Main.run(new PrintWriter(sw, true), args);
        return new Result(code, sw.toString());
    }

    private static void badInput(Path out, String expect, String... args) {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--out";
        all[args.length + 1] = out.toString();
        Result r = run(all);
        assertEquals(2, r.code(), "exit code for " + String.join(" ", args) + ": " + r.err());
        assertTrue(r.err().contains(expect), "message for " + String.join(" ", args) + ": " + r.err());
        assertTrue(r.err().strip().lines().count() <= 2, "one clear line: " + r.err());
        assertFalse(Files.exists(out), "bad input must not create " + out);
    }

    @Test void badInputExitsTwoWithOneLineAndWritesNothing(@TempDir Path tmp) {
        Path out = tmp.resolve("run");
        badInput(out, "--frac", "train", "--frac", "1.5");
        badInput(out, "x2+y2", "train", "--task", "nope");
        badInput(out, "prime", "train", "--task", "div", "--p", "91");
        badInput(out, "unavailable", "train", "--backend", "cuda");
        badInput(out, "allowed", "train", "--backend", "tpu");
        badInput(out, "transformer, mlp", "train", "--model", "rnn", "--steps", "1");
        badInput(out, "--optimizer", "train", "--optimizer", "lion", "--steps", "1");
        badInput(out, "--lr", "train", "--lr", "-1");
        badInput(out, "--steps", "train", "--steps", "abc");
    }

    @Test void trainWritesTheRunDirectory(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        Result r = run("train", "--model", "mlp", "--p", "23", "--frac", "0.5", "--hidden", "32", "--embed", "8",
                "--steps", "30", "--eval-every", "10", "--checkpoint-every", "20", "--seeds", "2", "--wd", "0,1",
                "--quiet", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : new String[]{"config.json", "metrics.csv", "summary.json", "curves.png"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        assertTrue(Files.exists(out.resolve("checkpoints/step-0000000020.safetensors")));
        assertTrue(Files.exists(out.resolve("checkpoints/step-0000000030.safetensors")));
        // 4 evaluations (0, 10, 20, 30) × 4 models + header
        assertEquals(17, Files.readAllLines(out.resolve("metrics.csv")).size());
        JsonNode summary = Json.read(out.resolve("summary.json"));
        assertEquals(4, summary.get("models").size());
        assertTrue(summary.get("steps_per_second").asDouble() > 0);
        JsonNode config = Json.read(out.resolve("config.json"));
        assertEquals(23, config.get("config").get("p").asInt());
        assertEquals("cpu", config.get("backend").asText());

        // resume with more steps continues from the last checkpoint and appends
        Result again = run("train", "--resume", out.toString(), "--steps", "40", "--quiet");
        assertEquals(0, again.code(), again.err());
        assertEquals(21, Files.readAllLines(out.resolve("metrics.csv")).size());
        assertTrue(Files.exists(out.resolve("checkpoints/step-0000000040.safetensors")));
    }

    @Test void saliencyAsATrainOptionWritesItsAnalysis(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        Result r = run("train", "--model", "mlp", "--p", "23", "--frac", "0.5", "--hidden", "24", "--embed", "8",
                "--steps", "20", "--eval-every", "10", "--saliency-every", "10", "--ig-steps", "4", "--saliency-sample", "50",
                "--quiet", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : new String[]{"saliency.csv", "ablation.csv", "saliency-heatmap.png", "ablation.png", "curves.png"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        // steps 0, 10 and 20, 24 neurons each, plus the header
        assertEquals(1 + 3 * 24, Files.readAllLines(out.resolve("saliency.csv")).size());

        badInput(tmp.resolve("b1"), "--eval-every", "train", "--model", "mlp", "--steps", "5", "--eval-every", "10",
                "--saliency-every", "15");
        badInput(tmp.resolve("b2"), "--saliency-every", "train", "--model", "mlp", "--saliency-every", "-1");
        badInput(tmp.resolve("b3"), "--ig-steps", "train", "--model", "mlp", "--saliency-every", "100", "--ig-steps", "0");
    }

    @Test void omnigrokOptionsRejectBadValuesWithOneLine(@TempDir Path tmp) {
        Path out = tmp.resolve("run");
        badInput(out, "--data-dir", "train", "--task", "mnist", "--data-dir", tmp.resolve("absent").toString(), "--steps", "1");
        badInput(out, "dataset-fashion-mnist", "train", "--task", "mnist", "--data-dir", tmp.resolve("absent").toString());
        badInput(out, "--loss", "train", "--loss", "hinge", "--steps", "1");
        badInput(out, "ce, mse", "train", "--loss", "hinge", "--steps", "1");
        badInput(out, "--train-count", "train", "--task", "mnist", "--train-count", "0");
        badInput(out, "--train-count", "train", "--task", "mnist", "--train-count", "many");
        badInput(out, "--model", "train", "--task", "mnist", "--model", "transformer", "--steps", "1", "--train-count", "50",
                "--data-dir", MnistFixtureDir.get(tmp).toString());
        badInput(out, "--train-count", "train", "--task", "mnist", "--train-count", "100000",
                "--data-dir", MnistFixtureDir.get(tmp).toString());
    }

    @Test void mnistTaskWritesTheRunDirectory(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("run");
        Result r = run("train", "--task", "mnist", "--data-dir", MnistFixtureDir.get(tmp).toString(), "--train-count", "60",
                "--hidden", "16,16", "--loss", "mse", "--init-scale", "2", "--constrain-norm", "--wd", "0",
                "--batch", "20", "--steps", "20", "--eval-every", "10", "--quiet", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : new String[]{"config.json", "metrics.csv", "summary.json", "curves.png"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        JsonNode cfg = Json.read(out.resolve("config.json"));
        assertEquals("mnist", cfg.get("config").get("task").asText());
        assertEquals("mse", cfg.get("config").get("omnigrok").get("loss").asText());
        assertTrue(cfg.get("config").get("omnigrok").get("constrainNorm").asBoolean());
        assertEquals(60, cfg.get("train_examples").asInt());
        var lines = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(4, lines.size());
        // the norm column stays where step 0 put it
        double n0 = Double.parseDouble(lines.get(1).split(",")[9]), n20 = Double.parseDouble(lines.get(3).split(",")[9]);
        assertEquals(n0, n20, 1e-5 * n0);

        Result again = run("train", "--resume", out.toString(), "--steps", "30", "--quiet");
        assertEquals(0, again.code(), again.err());
        assertEquals(5, Files.readAllLines(out.resolve("metrics.csv")).size());
    }

    /** A small learnable MNIST-format directory under the test's temp dir. */
    private static final class MnistFixtureDir {
        static Path get(Path tmp) {
            try {
                Path d = tmp.resolve("images");
                return Files.isDirectory(d) ? d : dev.groklab.data.MnistFixture.write(d, 80, 30, 6, 1);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
