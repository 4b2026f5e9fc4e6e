package dev.groklab.backend.cuda;

import org.junit.jupiter.api.Test;

/**
 * The GPU tests (every kernel against the CPU reference, training curves, graph replay,
 * walkers, the bench's parts) run through a driver that needs no GPU; each subclass names its driver.
 */
abstract class CudaSuiteWithoutGpu {
    private final CudaKernelsTest kernels = new CudaKernelsTest();
    private final CudaTrainingTest training = new CudaTrainingTest();
    private final CudaBenchCheck bench = new CudaBenchCheck();

    /** The driver name {@link CudaTests#backend} resolves. */
    abstract String driver();

    @Test void fillAndCopy() { kernels.fillAndCopyRoundTrips(driver()); }
    @Test void stridedCopies() { kernels.stridedCopiesAndConversions(driver()); }
    @Test void unary() { kernels.unaryAndBackward(driver()); }
    @Test void scalarBinary() { kernels.scalarAndBinaryWithBroadcasting(driver()); }
    @Test void sumTo() { kernels.sumToEveryReduction(driver()); }
    @Test void matmul() { kernels.matmulShapesLayoutsAndBatches(driver()); }
    @Test void softmax() { kernels.softmaxFamily(driver()); }
    @Test void crossEntropy() { kernels.crossEntropyForwardBackward(driver()); }
    @Test void layerNorm() { kernels.layerNormForwardBackward(driver()); }
    @Test void attention() { kernels.attentionForwardBackward(driver()); }
    @Test void lastQueryAttention() { kernels.lastQueryAttentionForwardBackward(driver()); }
    @Test void embeddings() { kernels.gatherAndDeterministicScatterAdd(driver()); }
    @Test void optimizers() { kernels.fusedOptimizerSteps(driver()); }
    @Test void dropout() { kernels.dropoutMaskIsBitIdenticalToTheCpu(driver()); }
    @Test void memory() { kernels.memoryIsReusedAcrossSteps(driver()); }
    @Test void mlpTraining() { training.mlpTrainingMatchesTheCpu(driver()); }
    @Test void transformerTraining() { training.transformerCurves(driver(), 10, 0.1); }   // fewer steps than on a GPU
    @Test void graphReplay() { training.graphReplayedStepEqualsTheEagerStep(driver()); }
    @Test void graphReplayTransformer() { training.graphReplayOfATransformerStep(driver()); }
    @Test void trainerGraphs() { training.trainerReplaysItsStepsAsGraphs(driver()); }
    @Test void repeatedStep() { training.repeatedStepRecapturesOrRunsEagerly(driver()); }
    @Test void profile() { training.profileTimesEveryOperationOfAStep(driver()); }
    @Test void graphMismatch() { training.graphReplayRejectsADifferentStep(driver()); }
    @Test void walkers() { training.walkersMatchTheCpuReference(driver()); }
    @Test void bench() { bench.everyPartWritesItsRowsAtTinySizes(driver()); }
}
