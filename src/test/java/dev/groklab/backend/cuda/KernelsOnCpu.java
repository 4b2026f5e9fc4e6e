package dev.groklab.backend.cuda;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The real kernels/cuda sources compiled for the CPU (src/test/native/cuda_on_cpu) behind a
 * stand-in libcuda.so.1, driven through {@link FfmCudaDriver}: the GPU tests' kernel numerics,
 * index math, tiling and barriers, checked without a GPU.
 */
final class KernelsOnCpu {
    static final String DRIVER = "kernels-on-cpu";
    static final Path BUILD_SCRIPT = Path.of("src/test/native/cuda_on_cpu/build.sh");

    private KernelsOnCpu() {}

    private static CudaBackend backend;
    private static String unavailable;
    private static Path library;

    /** The built libcuda.so.1 (after {@link #backend()}). */
    static Path library() {
        backend();
        return library;
    }

    /** The backend, built once per JVM; the test is skipped where g++ or cuda.h is missing. */
    static synchronized CudaBackend backend() {
        if (backend == null && unavailable == null) {
            try {
                unavailable = CudaStub.unavailable();
                if (unavailable == null && CudaStub.onPath("g++") == null) unavailable = "no g++ on the PATH";
                if (unavailable == null) {
                    Path dir = Files.createTempDirectory("groklab-cuda-on-cpu");
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
                    library = build(dir);
                    byte[] image = CudaBackend.fatbin() != null ? CudaBackend.fatbin() : new byte[]{1};
                    backend = CudaBackend.withDriver(new FfmCudaDriver(library.toString()), image);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("building the kernels for the CPU failed", e);
            }
        }
        Assumptions.assumeTrue(backend != null, () -> "kernels on the CPU unavailable: " + unavailable);
        return backend;
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: the system cleans it up eventually
        }
    }

    private static Path build(Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", BUILD_SCRIPT.toString(), dir.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException(BUILD_SCRIPT + " failed:\n" + output);
        return dir.resolve("libcuda.so.1");
    }
}
