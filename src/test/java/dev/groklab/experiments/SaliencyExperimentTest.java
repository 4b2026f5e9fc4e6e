package dev.groklab.experiments;

import dev.groklab.backend.Backends;
import dev.groklab.tensor.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SaliencyExperimentTest {
    @Test void tinyRunWritesItsOutputs(@TempDir Path dir) throws Exception {
        ExperimentContext ctx = new ExperimentContext(Backends.cpu(), dir, 100, true, 0, new PrintStream(OutputStream.nullOutputStream()));
        Map<String, Object> summary;
        try (Scope s = Scope.open()) {
            summary = Experiments.find("saliency").orElseThrow().run(ctx);
        }
        assertEquals("completed", summary.get("status"));
        for (String f : List.of("saliency.csv", "layer.csv", "ablation.csv", "saliency-heatmap.png", "ablation.png", "train/metrics.csv")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        // Steps 0 and 100, 256 neurons each, plus the header.
        assertEquals(1 + 2 * 256, Files.readAllLines(dir.resolve("saliency.csv")).size());
        @SuppressWarnings("unchecked") Map<String, Object> end = (Map<String, Object>) summary.get("at_end");
        assertEquals(100, end.get("step"));
        assertTrue((Double) end.get("completeness_gap") < 0.05, "completeness gap " + end.get("completeness_gap"));
    }
}
