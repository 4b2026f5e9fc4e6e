package dev.groklab.bench.jmh;

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
 * Fused float32 attention on the CPU backend: the grokking shape (B = heads × samples, T = 3,
 * D = 32) and a moderate sequence (T = 128, D = 64).
 *
 * <p>Work per call, non-causal: forward 4·B·T²·D flops (QKᵀ and PV), backward 10·B·T²·D
 * (QKᵀ and dO·Vᵀ recomputed, then dQ, dK, dV). Causal calls do about (T+1)/(2T) of that.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class AttentionBenchmark {
    /** B x T x D. */
    @Param({"15320x3x32", "32x128x64"})
    public String shape;

    @Param({"true", "false"})
    public boolean causal;

    private final CpuBackend cpu = CpuBackend.get();
    private Tensor q, k, v, out, lse, gOut, gq, gk, gv;

    @Setup public void setup() {
        String[] s = shape.split("x");
        int b = Integer.parseInt(s[0]), t = Integer.parseInt(s[1]), d = Integer.parseInt(s[2]);
        Random r = new Random(42);
        q = randn(r, b, t, d);
        k = randn(r, b, t, d);
        v = randn(r, b, t, d);
        gOut = randn(r, b, t, d);
        out = cpu.empty(DType.F32, b, t, d);
        lse = cpu.empty(DType.F32, b, t);
        gq = cpu.empty(DType.F32, b, t, d);
        gk = cpu.empty(DType.F32, b, t, d);
        gv = cpu.empty(DType.F32, b, t, d);
        cpu.attention(q, k, v, causal, out, lse);
    }

    private Tensor randn(Random r, int... shape) {
        float[] a = new float[shape[0] * shape[1] * shape[2]];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        return cpu.fromHost(a, shape);
    }

    @Benchmark public Tensor forward() {
        cpu.attention(q, k, v, causal, out, lse);
        return out;
    }

    @Benchmark public Tensor backward() {
        cpu.attentionBackward(q, k, v, causal, out, lse, gOut, gq, gk, gv);
        return gq;
    }
}
