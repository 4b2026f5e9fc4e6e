package dev.groklab.backend.cuda;

import org.junit.jupiter.api.Test;

/**
 * The GPU tests' host side, run here on {@link EmulatedCudaDriver}: argument marshalling, view
 * layouts, split heuristics, transfers, scopes and the pool, graph capture and replay, the
 * Trainer on a CUDA backend. Kernel numerics are covered by the same tests on a real GPU.
 */
class CudaEmulatedTest {
    private static final String E = "emulated";
    private final CudaKernelsTest kernels = new CudaKernelsTest();
    private final CudaTrainingTest training = new CudaTrainingTest();

    @Test void fillAndCopy() { kernels.fillAndCopyRoundTrips(E); }
    @Test void stridedCopies() { kernels.stridedCopiesAndConversions(E); }
    @Test void unary() { kernels.unaryAndBackward(E); }
    @Test void scalarBinary() { kernels.scalarAndBinaryWithBroadcasting(E); }
    @Test void sumTo() { kernels.sumToEveryReduction(E); }
    @Test void matmul() { kernels.matmulShapesLayoutsAndBatches(E); }
    @Test void softmax() { kernels.softmaxFamily(E); }
    @Test void crossEntropy() { kernels.crossEntropyForwardBackward(E); }
    @Test void layerNorm() { kernels.layerNormForwardBackward(E); }
    @Test void attention() { kernels.attentionForwardBackward(E); }
    @Test void embeddings() { kernels.gatherAndDeterministicScatterAdd(E); }
    @Test void optimizers() { kernels.fusedOptimizerSteps(E); }
    @Test void dropout() { kernels.dropoutMaskIsBitIdenticalToTheCpu(E); }
    @Test void memory() { kernels.memoryIsReusedAcrossSteps(E); }
    @Test void mlpTraining() { training.mlpTrainingMatchesTheCpu(E); }
    @Test void transformerTraining() { training.transformerCurves(E, 10, 0.1); }
    @Test void graphReplay() { training.graphReplayedStepEqualsTheEagerStep(E); }
    @Test void graphReplayTransformer() { training.graphReplayOfATransformerStep(E); }
    @Test void graphMismatch() { training.graphReplayRejectsADifferentStep(E); }
    @Test void kernelArgumentPaddingIsZero() {
        KernelArgs a = new KernelArgs();
        a.reset().i64(-1).i64(-1).i64(-1);
        a.reset().i32(5).ptr(7).f32(1f).f64(2);
        byte[] b = a.snapshot();
        for (int i : new int[]{4, 5, 6, 7, 20, 21, 22, 23}) org.junit.jupiter.api.Assertions.assertEquals(0, b[i], "padding byte " + i);
    }
    @Test void walkers() { training.walkersMatchTheCpuReference(E); }
}
