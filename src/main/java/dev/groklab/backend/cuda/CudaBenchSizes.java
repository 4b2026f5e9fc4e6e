package dev.groklab.backend.cuda;

import dev.groklab.train.TrainConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * How large each part of {@link CudaBench} runs: the GPU run ({@link #FULL}), a shorter one
 * ({@link #QUICK}), and {@link #TINY}, which the tests run through the drivers that need no GPU so
 * that every part's code has run before the one GPU run that measures it.
 *
 * @param squares     square sgemm sizes; the largest is the matmul goal's
 * @param transposed  the size of the AᵀBᵀ sgemm
 * @param ensemble    the many-models count (the ensemble goal's), beside one model
 * @param trainRows   training examples of the grokking model (its matmul, attention and loss shapes)
 * @param dModel      model width (attention heads of dModel / heads)
 * @param dMlp        MLP width
 * @param heads       attention heads
 * @param classes     output classes (the modulus)
 * @param roofFloats  floats of the copy that measures the memory roof
 * @param copyFloats  floats of the copy part (a multiple of copySide)
 * @param copySide    rows of the transposed copy
 * @param walkers     Brownian walkers
 * @param nanda       the training step's configuration for a number of models
 * @param oneSteps    timed training steps of one model
 * @param ensembleSteps timed training steps of the ensemble
 * @param repeats     the most timed (and warm-up) repetitions of one measurement
 */
record CudaBenchSizes(int[] squares, int transposed, int ensemble, int trainRows, int dModel, int dMlp, int heads, int classes,
                      int roofFloats, int copyFloats, int copySide, int walkers, IntFunction<TrainConfig> nanda,
                      int oneSteps, int ensembleSteps, int repeats) {

    static final CudaBenchSizes FULL = new CudaBenchSizes(new int[]{1024, 2048, 4096}, 2048, 64, 3831, 128, 512, 4, 113,
            1 << 27, 1 << 28, 1 << 14, 100_000_000, CudaBenchSizes::nandaConfig, 200, 50, 20);

    static final CudaBenchSizes QUICK = new CudaBenchSizes(new int[]{1024, 2048}, 2048, 64, 3831, 128, 512, 4, 113,
            1 << 26, 1 << 26, 1 << 14, 10_000_000, CudaBenchSizes::nandaConfig, 20, 20, 20);

    /** Odd, small shapes: seconds through the CPU-run kernels. */
    static final CudaBenchSizes TINY = new CudaBenchSizes(new int[]{37, 70}, 45, 3, 13, 16, 24, 2, 23,
            1 << 12, 3 * 1 << 10, 48, 3001, CudaBenchSizes::tinyConfig, 2, 2, 2);

    int steps(int models) { return models == 1 ? oneSteps : ensembleSteps; }

    int dHead() { return dModel / heads; }

    /** The nanda preset as a TrainConfig (Nanda et al.: 1-layer ReLU transformer, x+y mod 113, 30%, AdamW wd 1). */
    static TrainConfig nandaConfig(int models) { return transformer(113, 0.3, 0, 128, 4, 512, models); }

    /** The same step's shape, small: a 1-layer transformer d 16 on x+y mod 23. */
    static TrainConfig tinyConfig(int models) { return transformer(23, 0.5, 3, 16, 2, 24, models); }

    /** A 1-layer ReLU transformer without LayerNorm or biases on x+y mod p, full-batch AdamW (lr 1e-3, wd 1, 10-step warm-up). */
    private static TrainConfig transformer(int p, double trainFraction, long splitSeed, int d, int heads, int dMlp, int models) {
        TrainConfig base = new TrainConfig("add", p, trainFraction, splitSeed, false, "transformer", 1, d, heads, dMlp, "relu", false,
                false, 0.0, 12, new int[]{48}, "adamw", null, null, null, 0.9f, 0.98f, 1e-8f, 0f, false, false, false, "constant", 10,
                1, 0, 1000, 0, 100, 1000, "cuda");
        List<Long> seeds = new ArrayList<>();
        for (long i = 0; i < models; i++) seeds.add(i);
        return TrainConfig.grid(base, seeds, List.of(1e-3f), List.of(1f));
    }
}
