package dev.groklab.bench.jmh;

import dev.groklab.backend.opencl.OpenClBackend;
import dev.groklab.backend.opencl.OpenClException;
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
 * Kernels on the best OpenCL device: square float32 matmul (GFLOP/s = 2·n³ / time) and the fused
 * softmax-cross-entropy head of the grokking model (an ensemble of 8 × 512 rows over p = 113
 * classes) and of a language-model-like head (512 × 8192). Every call waits for the device, so
 * the time is the kernel's plus one launch and one synchronization.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class OpenClBenchmark {
    static OpenClBackend device() {
        try {
            return OpenClBackend.open("opencl");
        } catch (OpenClException.Unavailable e) {
            throw new IllegalStateException("OpenCL benchmark needs a device: " + e.reason(), e);
        }
    }

    static Tensor randn(OpenClBackend be, Random r, double scale, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (scale * r.nextGaussian());
        return be.fromHost(v, shape);
    }

    @State(Scope.Benchmark)
    public static class Matmul {
        @Param({"256", "512", "1024"})
        public int size;

        OpenClBackend be;
        Tensor a, b, c;

        @Setup public void setup() {
            be = device();
            Random r = new Random(42);
            a = randn(be, r, 1, size, size);
            b = randn(be, r, 1, size, size);
            c = be.empty(DType.F32, size, size);
            be.matmul(a, b, c, false);
            be.synchronize();
        }
    }

    @State(Scope.Benchmark)
    public static class Head {
        /** R x C x T (T targets shared by the R / T models). */
        @Param({"4096x113x512", "512x8192x512"})
        public String shape;

        OpenClBackend be;
        Tensor logits, targets, loss, lse, gLoss, gLogits, probs;

        @Setup public void setup() {
            be = device();
            String[] s = shape.split("x");
            int r = Integer.parseInt(s[0]), c = Integer.parseInt(s[1]), t = Integer.parseInt(s[2]);
            Random rnd = new Random(42);
            logits = randn(be, rnd, 3, r, c);
            int[] tg = new int[t];
            for (int i = 0; i < t; i++) tg[i] = rnd.nextInt(c);
            targets = be.fromHost(tg, t);
            loss = be.empty(DType.F32, r);
            lse = be.empty(DType.F32, r);
            gLoss = be.empty(DType.F32, r);
            be.fill(gLoss, 1.0 / r);
            gLogits = be.empty(DType.F32, r, c);
            probs = be.empty(DType.F32, r, c);
            be.crossEntropy(logits, targets, loss, lse);
            be.synchronize();
        }
    }

    @Benchmark public Tensor matmul(Matmul s) {
        s.be.matmul(s.a, s.b, s.c, false);
        s.be.synchronize();
        return s.c;
    }

    @Benchmark public Tensor crossEntropyForward(Head s) {
        s.be.crossEntropy(s.logits, s.targets, s.loss, s.lse);
        s.be.synchronize();
        return s.loss;
    }

    @Benchmark public Tensor crossEntropyBackward(Head s) {
        s.be.crossEntropyBackward(s.logits, s.targets, s.lse, s.gLoss, s.gLogits);
        s.be.synchronize();
        return s.gLogits;
    }

    @Benchmark public Tensor softmax(Head s) {
        s.be.softmax(s.logits, s.probs);
        s.be.synchronize();
        return s.probs;
    }
}
