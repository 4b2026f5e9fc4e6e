package dev.groklab.bench.jmh;

import dev.groklab.walkers.BrownianKernelReference;
import dev.groklab.walkers.BrownianKernelSimd;
import dev.groklab.walkers.Domain;
import dev.groklab.walkers.LangevinKernel;
import dev.groklab.walkers.LangevinStep;
import dev.groklab.walkers.Potential;
import dev.groklab.walkers.Walkers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Brownian walkers on the crossing a·min(x0², x1²) on the torus, 10⁶ walkers: the score is
 * walker-steps per second (one operation = one walker advanced one step, Philox normals
 * included). The SIMD kernel needs a long warm-up: C2 compiles it only after many slow
 * interpreted iterations.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 6, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class WalkerBenchmark {
    static final int WALKERS = 1_000_000, STEPS = 20;

    @Param({"simd", "scalar"})
    public String kernel;

    private LangevinKernel k;
    private LangevinStep step;
    private Walkers w;
    private int s;

    @Setup public void setup() {
        k = "simd".equals(kernel) ? BrownianKernelSimd.INSTANCE : BrownianKernelReference.INSTANCE;
        step = LangevinStep.brownian(new Potential.Crossing(100f, 0f), Domain.torus(1f), 1e-3f, 1f, 0);
        w = Walkers.uniform(WALKERS, 1f, 0);
    }

    @Benchmark
    @OperationsPerInvocation(WALKERS * STEPS)
    public float brownianCrossing() {
        k.advance(step, w, s, STEPS);
        s += STEPS;
        return w.x0[0];
    }
}
