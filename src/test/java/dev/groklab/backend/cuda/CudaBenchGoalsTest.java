package dev.groklab.backend.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The goals table of a cuda_bench.sh run: each goal's rows found, ratios, met or not, missing parts. */
class CudaBenchGoalsTest {
    @TempDir Path dir;

    /** The goals table of a bench.jsonl holding these lines, read back from the file as cuda-bench --goals reads it. */
    private String table(String... lines) throws IOException {
        Path jsonl = dir.resolve("bench.jsonl");
        Files.write(jsonl, List.of(lines));
        return CudaBenchGoals.table(CudaBenchGoals.read(jsonl));
    }

    @Test void setsEachRateAgainstItsPeerOfTheRun() throws IOException {
        String table = table(
                "{\"bench\": \"device\", \"device\": \"H100\"}",
                "{\"bench\": \"matmul\", \"precision\": \"fp32\", \"n\": 2048, \"ms\": 0.5, \"gflops\": 35000.0}",
                "{\"bench\": \"matmul\", \"precision\": \"fp32\", \"n\": 4096, \"ms\": 3.0, \"gflops\": 40000.0}",
                "{\"bench\": \"matmul\", \"precision\": \"fp32\", \"n\": 2048, \"layout\": \"AᵀBᵀ\", \"gflops\": 1.0}",
                "{\"bench\": \"matmul\", \"precision\": \"tf32\", \"n\": 4096, \"ms\": 1.0, \"gflops\": 100000.0}",
                "{\"bench\": \"walkers\", \"potential\": \"crossing\", \"math\": \"fast (float)\", \"walker_steps_per_s\": 9e12}",
                "{\"bench\": \"walkers\", \"potential\": \"crossing\", \"math\": \"exact (double log/sincos)\", \"walker_steps_per_s\": 3e12}",
                "{\"bench\": \"nanda_step\", \"models\": 1, \"mode\": \"eager\", \"steps_per_s\": 400.0}",
                "{\"bench\": \"nanda_step\", \"models\": 1, \"mode\": \"graph\", \"steps_per_s\": 4000.0}",
                "{\"bench\": \"nanda_step\", \"models\": 64, \"mode\": \"eager\", \"steps_per_s\": 10.0, \"model_steps_per_s\": 640.0}",
                "{\"bench\": \"nanda_step\", \"models\": 64, \"mode\": \"graph\", \"steps_per_s\": 100.0, \"model_steps_per_s\": 6400.0}",
                "{\"bench\": \"grok_nanda\", \"steps\": 15000, \"wall_s\": 6.5, \"exit\": 0, \"result\": \"train accuracy 1.000\"}",
                "a JVM banner that is not JSON",
                "{\"peer\": \"pytorch\", \"device\": \"cuda\", \"compile\": false, \"steps_per_s\": 1000.0}",
                "{\"peer\": \"pytorch\", \"bench\": \"matmul\", \"precision\": \"fp32\", \"n\": 2048, \"gflops\": 45000.0}",
                "{\"peer\": \"pytorch\", \"bench\": \"matmul\", \"precision\": \"fp32\", \"n\": 4096, \"gflops\": 50000.0}",
                "{\"peer\": \"pytorch\", \"bench\": \"matmul\", \"precision\": \"tf32\", \"n\": 4096, \"gflops\": 400000.0}",
                "{\"peer\": \"pytorch\", \"bench\": \"walkers\", \"compile\": false, \"walker_steps_per_s\": 1e11}",
                "{\"bench\": \"nanda_torch_compile\", \"error\": \"timed out after 75s (see bench.log)\"}",
                "{\"bench\": \"torch_brownian_compile\", \"error\": \"exit 1 (see bench.log)\"}",
                "{\"cut short");
        String[] lines = table.split("\n");
        assertEquals("| goal | groklab | PyTorch | ratio | target | met |", lines[0]);
        assertEquals("| nanda, one model, full batch, vs eager PyTorch | 4,000 steps/s | 1,000 steps/s | 4.00× | ≥ 3.00× | yes |",
                lines[2]);
        assertEquals("| nanda, one model, full batch, vs torch.compile | 4,000 steps/s | not measured | | ≥ 1.50× | — |", lines[3]);
        assertEquals("| full nanda grok (15000 steps), wall time | 6.50 s | | | ≤ 5.00 s | no |", lines[4]);
        assertEquals("| 64-model ensemble, per model, vs one eager PyTorch model | 6,400 model-steps/s | 1,000 steps/s | 6.40× "
                + "| ≥ 20.0× | no |", lines[5]);
        // The default (exact) walker math is the one compared, not the faster float variant.
        assertTrue(lines[6].contains("| 30.0× | ≥ 20.0× | yes |"), lines[6]);
        assertTrue(lines[7].contains("not measured") && lines[7].endsWith("| — |"), lines[7]);
        assertEquals("| matmul 4096 fp32 vs torch.matmul (cuBLAS) | 40,000 GFLOP/s | 50,000 GFLOP/s | 0.80× | ≥ 0.70× | yes |", lines[8]);
        assertEquals("| matmul 4096 tf32 vs torch.matmul (cuBLAS) | 100,000 GFLOP/s | 400,000 GFLOP/s | 0.25× | ≥ 0.70× | no |", lines[9]);
        assertTrue(table.endsWith("\nnanda grok: train accuracy 1.000\n"), table);
    }

    /** A shorter run (cuda_bench.sh --quick) is set against the goals at the largest sizes it measured, named in the table. */
    @Test void aShorterRunIsJudgedAtItsLargestSizes() throws IOException {
        String[] lines = table(
                "{\"bench\": \"matmul\", \"precision\": \"fp32\", \"n\": 1024, \"gflops\": 20000.0}",
                "{\"bench\": \"matmul\", \"precision\": \"fp32\", \"n\": 2048, \"gflops\": 30000.0}",
                "{\"bench\": \"nanda_step\", \"models\": 1, \"mode\": \"graph\", \"steps_per_s\": 4000.0, \"model_steps_per_s\": 4000.0}",
                "{\"bench\": \"nanda_step\", \"models\": 8, \"mode\": \"graph\", \"steps_per_s\": 1000.0, \"model_steps_per_s\": 8000.0}",
                "{\"peer\": \"pytorch\", \"device\": \"cuda\", \"compile\": false, \"steps_per_s\": 500.0}",
                "{\"peer\": \"pytorch\", \"bench\": \"matmul\", \"precision\": \"fp32\", \"n\": 2048, \"gflops\": 40000.0}").split("\n");
        assertEquals("| 8-model ensemble, per model, vs one eager PyTorch model | 8,000 model-steps/s | 500 steps/s | 16.0× "
                + "| ≥ 20.0× | no |", lines[5]);
        assertEquals("| matmul 2048 fp32 vs torch.matmul (cuBLAS) | 30,000 GFLOP/s | 40,000 GFLOP/s | 0.75× | ≥ 0.70× | yes |", lines[8]);
        assertEquals("| matmul 4096 tf32 vs torch.matmul (cuBLAS) | not measured | not measured | | ≥ 0.70× | — |", lines[9]);
    }

    @Test void anEmptyRunMeasuresNothing() throws IOException {
        String table = table();
        String[] lines = table.split("\n");
        assertEquals(10, lines.length, table);
        for (int i = 2; i < lines.length; i++) {
            assertTrue(lines[i].contains("| not measured |") && lines[i].endsWith("| — |"), lines[i]);
        }
    }
}
