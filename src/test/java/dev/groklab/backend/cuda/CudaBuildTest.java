package dev.groklab.backend.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The kernels as built (no GPU needed): with nvcc at build time the fatbin is on the classpath,
 * every kernels/cuda/*.cu contributed entry points to it, and ptxas reported no spills.
 */
class CudaBuildTest {
    private static boolean nvccPresent() {
        if (Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc"))) return true;
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(":")) if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nvcc"))) return true;
        return false;
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = CudaBuildTest.class.getClassLoader().getResourceAsStream("kernels/cuda/" + name)) {
            assertNotNull(in, "kernels/cuda/" + name + " is not on the classpath (native/cuda/build.sh writes it)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test void everyKernelFileIsCompiledIntoTheFatbin() throws IOException {
        assumeTrue(nvccPresent(), "no nvcc: the build skips the CUDA kernels");
        byte[] image = CudaBackend.fatbin();
        assertNotNull(image, "the fatbin resource is missing although nvcc exists");
        assertTrue(image.length > 1000, "fatbin of " + image.length + " bytes");
        // fatbin magic (little-endian 0xBA55ED50)
        assertEquals(0x50, image[0] & 0xff);
        assertEquals(0xED, image[1] & 0xff);

        Map<String, List<String>> byFile = new HashMap<>();
        for (String line : resource("kernels.txt").split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.split("\t");
            byFile.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f[1]);
        }
        Set<String> reported = new HashSet<>();
        for (String line : resource("resources.tsv").split("\n")) {
            if (line.isBlank() || line.startsWith("kernel\t")) continue;
            reported.add(line.split("\t")[0]);
        }
        Path src = Path.of("kernels/cuda");
        assumeTrue(Files.isDirectory(src), "run from the project root to see the sources");
        try (Stream<Path> files = Files.list(src)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".cu")).toList()) {
                String name = p.getFileName().toString();
                List<String> kernels = byFile.get(name);
                assertTrue(kernels != null && !kernels.isEmpty(), name + " has no entry point in the fatbin");
                for (String k : kernels) assertTrue(reported.contains(k), k + " (" + name + ") missing from the ptxas report");
            }
        }
        // The backend's kernel names exist.
        for (String k : List.of("fill_b32", "copy_f32_f32", "unary_f32", "unary_backward_f32", "scalar_f32", "binary_f32",
                "sum_to_f32", "matmul_f32_128x128_kn", "matmul_f32_64x64_rk", "matmul_tf32_128x128_kk", "matmul_reduce",
                "softmax_f32", "cross_entropy_f32", "layer_norm_params_f32", "attention_fwd_f32_d32", "attention_bwd_f32_d256",
                "gather_f32", "scatter_sum", "adamw_f32", "sgd_f32", "dropout_mask_f32", "langevin_crossing_exact", "walkers_uniform")) {
            assertTrue(reported.contains(k), k + " is not in the fatbin");
        }
    }

    @Test void everyEntryPointHasItsParameterSizes() throws IOException {
        assumeTrue(nvccPresent(), "no nvcc: the build skips the CUDA kernels");
        Map<String, String> params = new HashMap<>();
        for (String line : resource("params.tsv").split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.split("\t");
            params.put(f[0], f.length > 1 ? f[1] : "");
        }
        for (String line : resource("resources.tsv").split("\n")) {
            if (line.isBlank() || line.startsWith("kernel\t")) continue;
            String k = line.split("\t")[0];
            assertTrue(params.containsKey(k), k + " has no line in params.tsv");
        }
        // Pointers are 8 bytes, ints 4, struct parameters their C size (EwLayout 33 ints, MmArgs 31).
        assertEquals("8,4,4", params.get("fill_b32"));
        assertEquals("4,8,8,8,4,132,4", params.get("binary_f32"));
        assertEquals("4,8,8,8,4,132,4", params.get("scalar_f32"));
        assertEquals("8,8,8,8,124", params.get("matmul_tf32_128x128_kn"));
        assertEquals("8,8,8,4,4,136,4,4,4,4", params.get("sum_to_f32"));
        // The emulated driver refuses a launch whose arguments disagree with the compiled kernel.
        assertEquals(3, EmulatedCudaDriver.PARAMS.get("fill_b32").length);
        EmulatedCudaDriver.checkSignature("fill_b32", new KernelArgs().ptr(0).i32(1).i32(2));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EmulatedCudaDriver.checkSignature("fill_b32", new KernelArgs().ptr(0).i32(1).i64(2)));
        assertTrue(e.getMessage().contains("fill_b32"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> EmulatedCudaDriver.checkSignature("fill_b32", new KernelArgs().ptr(0).i32(1)));
    }

    @Test void ptxasReportsNoSpills() throws IOException {
        assumeTrue(nvccPresent(), "no nvcc: the build skips the CUDA kernels");
        String tsv = resource("resources.tsv");
        int rows = 0;
        for (String line : tsv.split("\n")) {
            if (line.isBlank() || line.startsWith("kernel\t")) continue;
            String[] f = line.split("\t");
            rows++;
            if (Long.parseLong(f[3]) > 0 || Long.parseLong(f[4]) > 0) {
                fail(f[0] + " spills registers: " + f[3] + " bytes stored, " + f[4] + " loaded (" + f[1] + " registers)");
            }
            assertTrue(Integer.parseInt(f[1]) <= 255, f[0] + " uses " + f[1] + " registers");
        }
        assertTrue(rows >= 50, "only " + rows + " kernels in the ptxas report");
        // The raw log agrees.
        for (String line : resource("ptxas.log").split("\n")) {
            if (line.contains("bytes spill stores") && !line.contains(" 0 bytes spill stores")) fail("ptxas.log: " + line.trim());
        }
    }
}
