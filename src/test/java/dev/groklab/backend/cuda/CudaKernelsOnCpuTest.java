package dev.groklab.backend.cuda;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GPU tests with the kernels of kernels/cuda compiled for and run on the CPU
 * ({@link KernelsOnCpu}): every op against the CPU reference, training curves, graph replay and
 * walkers, through the FFM driver binding. What a GPU adds is its own timing and memory model.
 */
class CudaKernelsOnCpuTest extends CudaSuiteWithoutGpu {
    @Override String driver() { return KernelsOnCpu.DRIVER; }

    /** JCuda links to libcuda.so.1 by name: a child JVM whose loader finds the CPU-run library first. */
    @Test void jcudaBinding() throws Exception {
        Path lib = KernelsOnCpu.library();
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + lib.getParent(), "-cp", System.getProperty("java.class.path"),
                KernelsOnCpuJCudaCheck.class.getName());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        String old = System.getenv("LD_LIBRARY_PATH");
        pb.environment().put("LD_LIBRARY_PATH", lib.getParent() + (old == null || old.isEmpty() ? "" : File.pathSeparator + old));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("ok"), out);
    }
}
