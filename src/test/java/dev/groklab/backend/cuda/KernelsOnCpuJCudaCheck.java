package dev.groklab.backend.cuda;

/**
 * The GPU tests through the JCuda binding, in a JVM whose dynamic loader finds the CPU-run
 * kernels' libcuda.so.1 first (JCuda links to libcuda.so.1 by name): argument marshalling of real
 * launches, graphs and transfers through JCuda. Run by {@link CudaKernelsOnCpuTest}; prints "ok".
 */
final class KernelsOnCpuJCudaCheck {
    private KernelsOnCpuJCudaCheck() {}

    public static void main(String[] args) {
        CudaBackend.Availability a = CudaBackend.probe("jcuda");
        if (!a.available()) throw new AssertionError("jcuda unavailable: " + a.reason());
        if (!CudaBackend.get("jcuda", 0).describe().startsWith("CUDA kernels on the CPU")) {
            throw new AssertionError("jcuda bound another libcuda.so.1: " + CudaBackend.get("jcuda", 0).describe());
        }
        CudaKernelsTest kernels = new CudaKernelsTest();
        CudaTrainingTest training = new CudaTrainingTest();
        kernels.fillAndCopyRoundTrips("jcuda");
        kernels.stridedCopiesAndConversions("jcuda");
        kernels.scalarAndBinaryWithBroadcasting("jcuda");
        kernels.matmulShapesLayoutsAndBatches("jcuda");
        kernels.gatherAndDeterministicScatterAdd("jcuda");
        kernels.fusedOptimizerSteps("jcuda");
        kernels.dropoutMaskIsBitIdenticalToTheCpu("jcuda");
        training.graphReplayedStepEqualsTheEagerStep("jcuda");
        training.walkersMatchTheCpuReference("jcuda");
        System.out.println("ok");
    }
}
