package dev.groklab.train;

import dev.groklab.backend.Backends;
import dev.groklab.data.AlgorithmicDataset;
import dev.groklab.data.Task;
import dev.groklab.io.RunDirectory;
import dev.groklab.io.Safetensors;
import dev.groklab.tensor.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A loss that turns NaN stops the run with a clear message and a checkpoint of the last good state. */
class DivergenceTest {
    @Test void nanStopsWithLastGoodCheckpoint(@TempDir Path tmp) throws Exception {
        TrainConfig cfg = TrainFixtures.mlp(17, 0.5, 200, 50, 0, 0, List.of(0L), List.of(1e30f), List.of(0f));
        var data = AlgorithmicDataset.build(Task.parse("add"), 17, 0.5, 3, false);
        RunDirectory dir = RunDirectory.open(tmp.resolve("run"), false);
        DivergedException e;
        try (Scope s = Scope.open()) {
            Trainer t = new Trainer(Backends.cpu(), cfg, data);
            try (RunRecorder rec = new RunRecorder(dir, cfg, Backends.cpu(), t.model().layerPrefixes())) {
                e = assertThrows(DivergedException.class, () -> t.run(rec, Progress.NONE));
            }
        }
        assertTrue(e.getMessage().contains("last good state"), e.getMessage());
        Path ckpt = dir.latestCheckpoint().orElseThrow();
        assertEquals(e.step() - 1, RunDirectory.checkpointStep(ckpt));
        Safetensors.Contents c = Safetensors.read(ckpt);
        for (String name : c.names()) {
            for (float v : c.floats(name)) assertTrue(Float.isFinite(v), name + " holds a non-finite value");
        }
    }
}
