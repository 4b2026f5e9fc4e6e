package dev.groklab.backend.cuda;

import com.fasterxml.jackson.databind.JsonNode;
import dev.groklab.io.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every part of the CUDA bench at tiny sizes: each writes its rows, no part fails, the rates are
 * positive and finite, and the goals table finds groklab's side of every goal in them. Run by
 * {@link CudaSuiteWithoutGpu} through the drivers that need no GPU, so that the bench's code has
 * run before the GPU run that measures it; on a GPU host that run is bench/peers/cuda_bench.sh
 * itself, so this is no part of the GPU tests' time budget.
 */
final class CudaBenchCheck {
    void everyPartWritesItsRowsAtTinySizes(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        CudaBenchSizes size = CudaBenchSizes.TINY;
        List<JsonNode> rows = new ArrayList<>();
        int failed = new CudaBench(g, line -> rows.add(parse(line)), size).run(CudaBench.PARTS);

        for (JsonNode r : rows) assertTrue(!r.has("error"), "an error row: " + r);
        assertEquals(0, failed);
        int m = size.ensemble(), parts = size.squares().length + 3;   // squares, AᵀBᵀ, the ensemble's two products
        assertEquals(1, count(rows, r -> is(r, "device") && !r.path("device").asText().isEmpty()));
        for (String precision : new String[]{"fp32", "tf32"}) {
            List<JsonNode> mm = select(rows, r -> is(r, "matmul") && precision.equals(r.path("precision").asText()));
            assertEquals(parts, mm.size(), precision + " matmul rows");
            for (JsonNode r : mm) positive(r, "gflops");
            double best = select(mm, r -> !r.has("layout") && r.has("n")).stream()
                    .mapToDouble(r -> r.path("of_matmul_roof").asDouble()).max().orElse(0);
            assertEquals(1.0, best, 1e-9, "the roof is the best square rate");
        }
        assertEquals(3, count(rows, r -> (is(r, "copy") || is(r, "elementwise")) && positive(r, "of_copy_roof")));
        assertEquals(4, count(rows, r -> is(r, "attention") && positive(r, "gbps")));
        assertEquals(4, count(rows, r -> is(r, "cross_entropy") && positive(r, "gbps")));
        assertEquals(2, count(rows, r -> is(r, "walkers") && r.path("walkers").asInt() == size.walkers()
                && positive(r, "walker_steps_per_s")));

        for (int models : new int[]{1, m}) {
            for (String mode : new String[]{"eager", "graph", "graph launch only (GPU time)"}) {
                assertEquals(1, count(rows, r -> is(r, "nanda_step") && r.path("models").asInt() == models
                        && mode.equals(r.path("mode").asText()) && positive(r, "model_steps_per_s")), models + " models, " + mode);
            }
            List<JsonNode> profile = select(rows, r -> is(r, "nanda_profile") && r.path("models").asInt() == models);
            JsonNode summary = profile.getFirst();
            assertTrue(summary.path("operations").asInt() > 20 && summary.has("host_bound"), summary.toString());
            double shares = profile.stream().skip(1).mapToDouble(r -> r.path("share").asDouble()).sum();
            int launches = profile.stream().skip(1).mapToInt(r -> r.path("launches").asInt()).sum();
            assertEquals(summary.path("operations").asInt(), launches, "every profiled operation is one kernel's");
            if (summary.path("gpu_ms").asDouble() > 0) assertEquals(1.0, shares, 1e-3, "the kernels' shares");
            assertEquals(models == 1 ? launches : 0, count(rows, r -> is(r, "nanda_profile_op") && r.path("models").asInt() == models));
            assertEquals(4, count(rows, r -> is(r, "nanda_split_k") && r.path("models").asInt() == models && r.has("step_ms")));
        }

        // The goals table reads groklab's side of each rate from these rows (the PyTorch peers and the grok run are not here).
        String[] table = CudaBenchGoals.table(rows).split("\n");
        int largest = size.squares()[size.squares().length - 1];
        String[] goals = {"nanda, one model, full batch, vs eager PyTorch", m + "-model ensemble, per model, vs one eager PyTorch model",
                "walkers (Brownian, crossing) vs vectorized PyTorch", "matmul " + largest + " fp32", "matmul " + largest + " tf32"};
        int[] lines = {2, 5, 6, 8, 9};
        for (int i = 0; i < goals.length; i++) {
            String[] cells = table[lines[i]].split("\\|");
            assertTrue(cells[1].trim().startsWith(goals[i]), goals[i] + " in " + table[lines[i]]);
            assertTrue(!cells[2].isBlank() && !cells[2].contains("not measured"), "groklab's side of " + table[lines[i]]);
        }
    }

    private static JsonNode parse(String line) {
        try {
            return Json.mapper().readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException("not a JSON row: " + line, e);
        }
    }

    private static boolean is(JsonNode r, String bench) { return bench.equals(r.path("bench").asText()); }

    private static boolean positive(JsonNode r, String field) {
        double v = r.path(field).asDouble(Double.NaN);
        assertTrue(r.path(field).isNumber() && v > 0 && Double.isFinite(v), field + " of " + r);
        return true;
    }

    private static List<JsonNode> select(List<JsonNode> rows, Predicate<JsonNode> p) {
        return rows.stream().filter(p).toList();
    }

    private static long count(List<JsonNode> rows, Predicate<JsonNode> p) {
        return rows.stream().filter(p).count();
    }
}
