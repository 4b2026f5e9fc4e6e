package dev.groklab.backend.cuda;

import org.junit.jupiter.api.Test;

/**
 * The GPU tests' host side, run here on {@link EmulatedCudaDriver}: argument marshalling, view
 * layouts, split heuristics, transfers, scopes and the pool, graph capture and replay, the
 * Trainer on a CUDA backend. Kernel numerics are covered by the same tests on the kernels compiled
 * for the CPU ({@link CudaKernelsOnCpuTest}) and on a real GPU.
 */
class CudaEmulatedTest extends CudaSuiteWithoutGpu {
    @Override String driver() { return "emulated"; }

    @Test void kernelArgumentPaddingIsZero() {
        KernelArgs a = new KernelArgs();
        a.reset().i64(-1).i64(-1).i64(-1);
        a.reset().i32(5).ptr(7).f32(1f).f64(2);
        byte[] b = a.snapshot();
        for (int i : new int[]{4, 5, 6, 7, 20, 21, 22, 23}) org.junit.jupiter.api.Assertions.assertEquals(0, b[i], "padding byte " + i);
    }
}
