package dev.groklab.backend.cuda;

import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The driver bindings themselves, without a GPU: {@link FfmCudaDriver} and {@link JCudaDriver}
 * call into src/test/native/libcuda_stub.c, compiled here against the CUDA toolkit's cuda.h, so
 * the symbols they bind have the names and prototypes of the CUDA 13 header. Checks that
 * arguments, out-parameters, copies, kernel parameter arrays, graph capture and error names
 * cross the native boundary intact, and that the backend runs its host side over the FFM
 * binding. Skipped where there is no C compiler or no cuda.h.
 */
class CudaDriverStubTest {
    @TempDir static Path dir;
    private static Path lib;

    @BeforeAll static void buildStub() throws Exception {
        String why = CudaStub.unavailable();
        assumeTrue(why == null, why);
        lib = CudaStub.build(dir);
    }

    @Test void ffmBindingPassesEveryCallThrough() {
        StubDriverCheck.run(new FfmCudaDriver(lib.toString()), CudaStub.of(lib.toString()));
    }

    @Test void backendHostSideOverTheFfmBinding() {
        CudaStub stub = CudaStub.of(lib.toString());
        stub.paramSizes();
        byte[] image = CudaBackend.fatbin() != null ? CudaBackend.fatbin() : new byte[]{0x50, (byte) 0xED, 0x55, (byte) 0xBA};
        CudaBackend be = CudaBackend.withDriver(new FfmCudaDriver(lib.toString()), image);
        assertTrue(be.describe().startsWith("Stub CUDA device, 80.0 GiB, 132 SMs, compute capability 9.0, CUDA driver 13.0 (ffm)"),
                be.describe());
        try (Scope s = Scope.open()) {
            float[] f = {1.5f, -2f, 3f, Float.MIN_VALUE};
            assertArrayEquals(f, be.toHost(be.fromHost(f, 2, 2)).toFloatArray());
            int[] i = {7, -1, Integer.MAX_VALUE};
            assertArrayEquals(i, be.toHost(be.fromHost(i, 3)).toIntArray());
            double[] d = {Math.PI, -1e300};
            assertArrayEquals(d, be.toHost(be.fromHost(d, 2)).toDoubleArray());
            Tensor a = be.fromHost(f, 4), c = be.empty(DType.F32, 4);
            be.copy(a, c);                                  // dense: one device-to-device copy
            assertArrayEquals(f, be.toHost(c).toFloatArray());
            stub.clearLog();
            be.fill(c, 2.0);                                // recorded, not run: the stub has no kernels
            assertTrue(stub.log().contains("cuLaunchKernel(fill_b32, 1 1 1, 256 1 1, 0, stream "), stub.log());

            // A graph step: capture on the first run, replays after; host uploads go through the arena.
            Tensor w = be.empty(DType.F32, 4);
            Runnable step = () -> {
                try (Scope sc = Scope.open()) {
                    Tensor x = be.fromHost(new float[]{1, 2, 3, 4}, 4);
                    be.copy(x, w);
                }
            };
            step.run();
            stub.clearLog();
            try (CudaGraphStep g = new CudaGraphStep(be, step)) {
                g.run();
                g.run();
                g.run();
                assertEquals(2, g.replays());
            }
            String log = stub.log();
            assertTrue(log.contains("cuStreamBeginCapture_v2(2)") && log.contains("cuStreamEndCapture")
                    && log.contains("cuGraphInstantiateWithFlags(0)"), log);
            assertEquals(3, log.lines().filter(l -> l.equals("cuGraphLaunch")).count(), log);
            assertEquals(4, be.toHost(w).numel());
        }
    }

    /** JCuda links to libcuda.so.1 by name, so its run needs a JVM whose loader finds the stub first. */
    @Test void jcudaBindingAndBothProbesInAJvmThatLoadsTheStub() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + dir, "-cp", System.getProperty("java.class.path"),
                StubDriverCheck.class.getName(), "jcuda", "ffm"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        String old = System.getenv("LD_LIBRARY_PATH");
        pb.environment().put("LD_LIBRARY_PATH", dir + (old == null || old.isEmpty() ? "" : File.pathSeparator + old));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("ok"), out);
    }
}
