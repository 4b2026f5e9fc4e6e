package dev.groklab.bench.jmh;

import dev.groklab.backend.cpu.CpuBackend;
import dev.groklab.backend.cpu.Parallel;
import dev.groklab.bench.MatmulSuite;
import dev.groklab.bench.OpenBlas;
import dev.groklab.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * float32 C = A·B on the CPU backend against OpenBLAS's cblas_sgemm on the same buffers: square
 * sizes, and the grokking model's [11490 × 128]·[128 × 512] with its two backward products
 * (grok-dx = dY·Wᵀ, grok-dw = xᵀ·dY, transposed views). GFLOP/s = 2·m·k·n / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatmulBenchmark {
    @Param({"64", "128", "256", "512", "1024", "2048", "grok", "grok-dx", "grok-dw"})
    public String size;

    private final CpuBackend cpu = CpuBackend.get();
    private MatmulSuite.Case c;
    private MatmulSuite.Operands ops;

    @Setup public void setup() {
        c = switch (size) {
            case "grok" -> MatmulSuite.grokkingCases().get(0);
            case "grok-dx" -> MatmulSuite.grokkingCases().get(1);
            case "grok-dw" -> MatmulSuite.grokkingCases().get(2);
            default -> MatmulSuite.Case.square(Integer.parseInt(size));
        };
        ops = MatmulSuite.Operands.of(cpu, c, 42);
        if (OpenBlas.available()) OpenBlas.setThreads(Parallel.threads());
    }

    @Benchmark public Tensor groklab() {
        ops.runOurs(cpu);
        return ops.c();
    }

    @Benchmark public Tensor openblas() {
        if (!OpenBlas.available()) throw new IllegalStateException("OpenBLAS unavailable: " + OpenBlas.reason());
        ops.runBlas(c);
        return ops.cBlas();
    }
}
