package dev.groklab.backend.cuda;

import org.junit.jupiter.api.Test;

/**
 * The GPU tests with the kernels of kernels/cuda compiled for and run on the CPU
 * ({@link KernelsOnCpu}): every op against the CPU reference, training curves, graph replay and
 * walkers, through the FFM driver binding. What a GPU adds is its own timing and memory model.
 */
class CudaKernelsOnCpuTest {
    private static final String D = KernelsOnCpu.DRIVER;
    private final CudaKernelsTest kernels = new CudaKernelsTest();
    private final CudaTrainingTest training = new CudaTrainingTest();

    @Test void fillAndCopy() { kernels.fillAndCopyRoundTrips(D); }
    @Test void stridedCopies() { kernels.stridedCopiesAndConversions(D); }
    @Test void unary() { kernels.unaryAndBackward(D); }
    @Test void scalarBinary() { kernels.scalarAndBinaryWithBroadcasting(D); }
    @Test void sumTo() { kernels.sumToEveryReduction(D); }
    @Test void matmul() { kernels.matmulShapesLayoutsAndBatches(D); }
    @Test void softmax() { kernels.softmaxFamily(D); }
    @Test void crossEntropy() { kernels.crossEntropyForwardBackward(D); }
    @Test void layerNorm() { kernels.layerNormForwardBackward(D); }
    @Test void attention() { kernels.attentionForwardBackward(D); }
    @Test void embeddings() { kernels.gatherAndDeterministicScatterAdd(D); }
    @Test void optimizers() { kernels.fusedOptimizerSteps(D); }
    @Test void dropout() { kernels.dropoutMaskIsBitIdenticalToTheCpu(D); }
    @Test void memory() { kernels.memoryIsReusedAcrossSteps(D); }
    @Test void mlpTraining() { training.mlpTrainingMatchesTheCpu(D); }
    @Test void transformerTraining() { training.transformerCurves(D, 10, 0.1); }   // one CPU core runs every thread: fewer steps
    @Test void graphReplay() { training.graphReplayedStepEqualsTheEagerStep(D); }
    @Test void graphReplayTransformer() { training.graphReplayOfATransformerStep(D); }
    @Test void graphMismatch() { training.graphReplayRejectsADifferentStep(D); }
    @Test void walkers() { training.walkersMatchTheCpuReference(D); }
}
