package dev.groklab.backend.cuda;

import com.fasterxml.jackson.databind.JsonNode;
import dev.groklab.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The CUDA goals of groklab against PyTorch on the same GPU, read from one {@code cuda_bench.sh}
 * run's {@code bench.jsonl}: a markdown table with each measured rate, its peer's, the ratio and
 * whether it meets the goal. A part that did not run (an error line, a time-out) reads "not measured".
 * <pre>bundle/bin/cuda-bench --goals bench.jsonl</pre>
 */
final class CudaBenchGoals {
    private CudaBenchGoals() {}

    /** One goal: ours / peer ≥ target (or, for a time, ours ≤ target). */
    private record Goal(String what, String unit, JsonNode ours, String oursField, JsonNode peer, String peerField,
                        String peerUnit, double target, boolean atMost) {
        Goal(String what, String unit, JsonNode ours, String oursField, JsonNode peer, String peerField, double target) {
            this(what, unit, ours, oursField, peer, peerField, unit, target, false);
        }
    }

    static String table(List<JsonNode> rows) {
        Predicate<JsonNode> torchNanda = r -> "pytorch".equals(text(r, "peer")) && !r.has("bench")
                && text(r, "device").startsWith("cuda");
        JsonNode eager = first(rows, torchNanda.and(r -> !r.path("compile").asBoolean()));
        JsonNode compiled = first(rows, torchNanda.and(r -> r.path("compile").asBoolean()));
        JsonNode one = first(rows, r -> is(r, "nanda_step") && r.path("models").asInt() == 1 && "graph".equals(text(r, "mode")));
        // The largest sizes the run measured: the goals' (64 models, n 4096) in a full run.
        JsonNode ensemble = largest(rows, r -> is(r, "nanda_step") && r.path("models").asInt() > 1 && "graph".equals(text(r, "mode")),
                "models");
        JsonNode grok = first(rows, r -> is(r, "grok_nanda") && r.has("wall_s"));
        JsonNode walkers = first(rows, r -> is(r, "walkers") && !r.has("peer") && text(r, "math").startsWith("exact"));
        JsonNode torchWalkers = first(rows, r -> is(r, "walkers") && r.has("peer") && !r.path("compile").asBoolean());
        JsonNode torchWalkersCompiled = first(rows, r -> is(r, "walkers") && r.has("peer") && r.path("compile").asBoolean());
        List<Goal> goals = new ArrayList<>(List.of(
                new Goal("nanda, one model, full batch, vs eager PyTorch", "steps/s", one, "steps_per_s", eager, "steps_per_s", 3),
                new Goal("nanda, one model, full batch, vs torch.compile", "steps/s", one, "steps_per_s", compiled, "steps_per_s", 1.5),
                new Goal("full nanda grok (" + (grok == null ? 15000 : grok.path("steps").asInt()) + " steps), wall time", "s", grok,
                        "wall_s", null, null, null, 5, true),
                new Goal((ensemble == null ? 64 : ensemble.path("models").asInt()) + "-model ensemble, per model, vs one eager PyTorch model",
                        "model-steps/s", ensemble, "model_steps_per_s", eager, "steps_per_s", "steps/s", 20, false),
                new Goal("walkers (Brownian, crossing) vs vectorized PyTorch", "walker-steps/s", walkers, "walker_steps_per_s",
                        torchWalkers, "walker_steps_per_s", 20),
                new Goal("walkers (Brownian, crossing) vs torch.compile", "walker-steps/s", walkers, "walker_steps_per_s",
                        torchWalkersCompiled, "walker_steps_per_s", 20)));
        for (String precision : new String[]{"fp32", "tf32"}) {
            JsonNode ours = largest(rows, r -> is(r, "matmul") && !r.has("peer") && precision.equals(text(r, "precision"))
                    && r.has("n") && !r.has("layout"), "n");
            int n = ours == null ? 4096 : ours.path("n").asInt();
            JsonNode torch = first(rows, r -> is(r, "matmul") && r.has("peer") && precision.equals(text(r, "precision"))
                    && r.path("n").asInt() == n);
            goals.add(new Goal("matmul " + n + " " + precision + " vs torch.matmul (cuBLAS)", "GFLOP/s", ours, "gflops", torch, "gflops",
                    0.7));
        }
        StringBuilder sb = new StringBuilder("| goal | groklab | PyTorch | ratio | target | met |\n|---|---|---|---|---|---|\n");
        for (Goal g : goals) sb.append(line(g)).append('\n');
        if (grok != null && grok.has("result")) sb.append("\nnanda grok: ").append(text(grok, "result")).append('\n');
        return sb.toString();
    }

    private static String line(Goal g) {
        Double ours = value(g.ours, g.oursField), peer = g.peerField == null ? null : value(g.peer, g.peerField);
        String target = (g.atMost ? "≤ " + num(g.target) + " " + g.unit : "≥ " + num(g.target) + "×");
        if (ours == null || (g.peerField != null && peer == null)) {
            return "| " + g.what + " | " + (ours == null ? "not measured" : num(ours) + " " + g.unit) + " | "
                    + (g.peerField == null ? "" : peer == null ? "not measured" : num(peer) + " " + g.peerUnit) + " | | " + target + " | — |";
        }
        if (g.atMost) {
            return "| " + g.what + " | " + num(ours) + " " + g.unit + " | | | " + target + " | " + (ours <= g.target ? "yes" : "no") + " |";
        }
        double ratio = ours / peer;
        return "| " + g.what + " | " + num(ours) + " " + g.unit + " | " + num(peer) + " " + g.peerUnit + " | " + num(ratio) + "× | "
                + target + " | " + (ratio >= g.target ? "yes" : "no") + " |";
    }

    private static Double value(JsonNode row, String field) {
        if (row == null || !row.path(field).isNumber()) return null;
        return row.path(field).asDouble();
    }

    private static boolean is(JsonNode r, String bench) { return bench.equals(text(r, "bench")); }

    private static String text(JsonNode r, String field) { return r.path(field).asText(""); }

    private static JsonNode first(List<JsonNode> rows, Predicate<JsonNode> p) {
        for (JsonNode r : rows) if (p.test(r)) return r;
        return null;
    }

    /** The matching row with the largest {@code field} (the first of equals). */
    private static JsonNode largest(List<JsonNode> rows, Predicate<JsonNode> p, String field) {
        JsonNode best = null;
        for (JsonNode r : rows) if (p.test(r) && (best == null || r.path(field).asLong() > best.path(field).asLong())) best = r;
        return best;
    }

    /** Three significant digits, without exponents for the sizes these rates have. */
    static String num(double v) {
        double a = Math.abs(v);
        if (a >= 100) return String.format(Locale.ROOT, "%,.0f", v);
        if (a >= 10) return String.format(Locale.ROOT, "%.1f", v);
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** The JSON objects of a bench.jsonl; lines that are not objects are skipped. */
    static List<JsonNode> read(Path jsonl) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl)) {
            if (!line.startsWith("{")) continue;
            try {
                rows.add(Json.mapper().readTree(line));
            } catch (IOException malformed) {
                // a line cut short by a killed part: the goal it held reads "not measured"
            }
        }
        return rows;
    }
}
