package dev.groklab.bench.jmh;

import dev.groklab.backend.Binary;
import dev.groklab.backend.Unary;
import dev.groklab.backend.cpu.CpuBackend;
import dev.groklab.tensor.DType;
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

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * float32 elementwise kernels on the CPU backend over [R, C] activations.
 *
 * <p>Bytes per call (n = R·C, 4 bytes each): add / addRowBroadcast / gelu backward 12n (two
 * reads, one write; the broadcast row stays in cache), gelu / relu / exp / copy 8n, sumToRows 4n,
 * fill 4n.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ElementwiseBenchmark {
    /** R x C: a grokking MLP hidden layer (batch 4096 × 512) and a cache-resident one. */
    @Param({"4096x512", "256x128"})
    public String shape;

    private final CpuBackend cpu = CpuBackend.get();
    private Tensor a, b, bias, out, gy, colSum, aT;

    @Setup public void setup() {
        String[] s = shape.split("x");
        int r = Integer.parseInt(s[0]), c = Integer.parseInt(s[1]);
        Random rnd = new Random(42);
        a = randn(rnd, r, c);
        b = randn(rnd, r, c);
        gy = randn(rnd, r, c);
        bias = randn(rnd, c);
        aT = randn(rnd, c, r).transpose(0, 1);
        out = cpu.empty(DType.F32, r, c);
        colSum = cpu.empty(DType.F32, c);
    }

    private Tensor randn(Random r, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return cpu.fromHost(v, shape);
    }

    @Benchmark public Tensor add() { cpu.binary(Binary.ADD, a, b, out); return out; }

    @Benchmark public Tensor addRowBroadcast() { cpu.binary(Binary.ADD, a, bias, out); return out; }

    @Benchmark public Tensor gelu() { cpu.unary(Unary.GELU, a, out); return out; }

    @Benchmark public Tensor geluBackward() { cpu.unaryBackward(Unary.GELU, a, a, gy, out); return out; }

    @Benchmark public Tensor relu() { cpu.unary(Unary.RELU, a, out); return out; }

    @Benchmark public Tensor exp() { cpu.unary(Unary.EXP, a, out); return out; }

    @Benchmark public Tensor copy() { cpu.copy(a, out); return out; }

    @Benchmark public Tensor copyTransposed() { cpu.copy(aT, out); return out; }

    @Benchmark public Tensor sumToRows() { cpu.sumTo(a, colSum, false); return colSum; }

    @Benchmark public Tensor fill() { cpu.fill(out, 1.5); return out; }
}
