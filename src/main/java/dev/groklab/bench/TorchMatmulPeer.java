package dev.groklab.bench;

import dev.groklab.io.Json;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** PyTorch's fp32 matmul on the GPU (bench/peers/torch_matmul.py), for device benchmarks on a GPU host. */
public final class TorchMatmulPeer {
    public static final Path SCRIPT = Path.of("bench/peers/torch_matmul.py");

    private TorchMatmulPeer() {}

    /** GFLOP/s by size (fp32, TF32 off), or an empty map with the reason printed. */
    public static Map<Integer, Double> fp32(int[] sizes, PrintWriter out) {
        Map<Integer, Double> gflops = new LinkedHashMap<>();
        if (sizes.length == 0) {
            out.println("PyTorch GPU peer unavailable (no square sizes)");
            return gflops;
        }
        String list = Arrays.stream(sizes).mapToObj(Integer::toString).collect(Collectors.joining(","));
        String text = PythonPeer.run("PyTorch GPU peer", SCRIPT, List.of("--sizes", list), out);
        if (text == null) return gflops;
        try {
            for (String line : text.strip().lines().filter(l -> l.startsWith("{")).toList()) {
                var node = Json.parse(line);
                if (node.get("precision").asText().equals("fp32")) gflops.put(node.get("n").asInt(), node.get("gflops").asDouble());
            }
        } catch (Exception e) {
            out.println("PyTorch GPU peer failed: " + e.getMessage());
        }
        return gflops;
    }
}
