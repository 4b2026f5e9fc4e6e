package dev.groklab.bench.jmh;

import dev.groklab.backend.AdamStep;
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
 * Fused AdamW over an ensemble parameter [M, n / M] on the CPU backend.
 *
 * <p>Bytes per call: 28n (read p, g, m, v; write p, m, v), 32n toward init (reads the target too).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class AdamWBenchmark {
    /** M x per-model parameter count: 8 small grokking models, and 2 larger ones. */
    @Param({"8x65536", "2x2097152"})
    public String shape;

    private final CpuBackend cpu = CpuBackend.get();
    private Tensor p, g, m, v, init;
    private AdamStep step;

    @Setup public void setup() {
        String[] s = shape.split("x");
        int models = Integer.parseInt(s[0]), per = Integer.parseInt(s[1]);
        Random r = new Random(42);
        p = randn(r, models, per);
        g = randn(r, models, per);
        init = randn(r, models, per);
        m = cpu.empty(DType.F32, models, per);
        v = cpu.empty(DType.F32, models, per);
        cpu.fill(m, 0);
        cpu.fill(v, 0);
        float[] lr = new float[models], wd = new float[models];
        for (int i = 0; i < models; i++) {
            lr[i] = 1e-3f * (i + 1);
            wd[i] = 0.1f * i;
        }
        step = new AdamStep(lr, wd, 0.9f, 0.98f, 1e-8f, 10);
    }

    private Tensor randn(Random r, int... shape) {
        float[] a = new float[shape[0] * shape[1]];
        for (int i = 0; i < a.length; i++) a[i] = (float) (0.1 * r.nextGaussian());
        return cpu.fromHost(a, shape);
    }

    @Benchmark public Tensor decayToZero() {
        cpu.adamw(p, g, m, v, null, step);
        return p;
    }

    @Benchmark public Tensor decayToInit() {
        cpu.adamw(p, g, m, v, init, step);
        return p;
    }
}
