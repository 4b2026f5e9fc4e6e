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
 * Fused cross-entropy and softmax on the CPU backend: the grokking head (an ensemble of 8 models ×
 * 512 samples over p = 113 classes) and a language-model-like head (512 × 8192).
 *
 * <p>Bytes per call for R × C logits: forward reads 4RC (two passes, the second from cache for
 * these row sizes), backward reads 4RC and writes 4RC, softmax 8RC. Each logit costs one exp
 * per pass that needs it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class CrossEntropyBenchmark {
    /** R x C x T (T targets shared by the R / T models). */
    @Param({"4096x113x512", "512x8192x512"})
    public String shape;

    private final CpuBackend cpu = CpuBackend.get();
    private Tensor logits, targets, loss, lse, gLoss, gLogits, probs;

    @Setup public void setup() {
        String[] s = shape.split("x");
        int r = Integer.parseInt(s[0]), c = Integer.parseInt(s[1]), t = Integer.parseInt(s[2]);
        Random rnd = new Random(42);
        float[] x = new float[r * c];
        for (int i = 0; i < x.length; i++) x[i] = (float) (3 * rnd.nextGaussian());
        logits = cpu.fromHost(x, r, c);
        int[] tg = new int[t];
        for (int i = 0; i < t; i++) tg[i] = rnd.nextInt(c);
        targets = cpu.fromHost(tg, t);
        loss = cpu.empty(DType.F32, r);
        lse = cpu.empty(DType.F32, r);
        float[] g = new float[r];
        java.util.Arrays.fill(g, 1f / r);
        gLoss = cpu.fromHost(g, r);
        gLogits = cpu.empty(DType.F32, r, c);
        probs = cpu.empty(DType.F32, r, c);
        cpu.crossEntropy(logits, targets, loss, lse);
    }

    @Benchmark public Tensor forward() {
        cpu.crossEntropy(logits, targets, loss, lse);
        return loss;
    }

    @Benchmark public Tensor backward() {
        cpu.crossEntropyBackward(logits, targets, lse, gLoss, gLogits);
        return gLogits;
    }

    @Benchmark public Tensor softmax() {
        cpu.softmax(logits, probs);
        return probs;
    }
}
