package dev.groklab.backend.cuda;

import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.data.AlgorithmicDataset;
import dev.groklab.data.Task;
import dev.groklab.nn.Params;
import dev.groklab.optim.AdamW;
import dev.groklab.optim.Decay;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import dev.groklab.train.EvalRecord;
import dev.groklab.train.Progress;
import dev.groklab.train.RunOutputs;
import dev.groklab.train.TrainConfig;
import dev.groklab.train.Trainer;
import dev.groklab.walkers.BrownianKernelReference;
import dev.groklab.walkers.Domain;
import dev.groklab.walkers.LangevinStep;
import dev.groklab.walkers.Potential;
import dev.groklab.walkers.Walkers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;

import static dev.groklab.backend.cuda.CudaTests.identical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole computations on the GPU against the CPU: short training runs of the test fixtures'
 * MLP and transformer (equal curves within float32 drift), a CUDA-graph replayed step against
 * the eager step (bit-identical), and Brownian walkers against the scalar CPU reference.
 */
@Tag("gpu")
class CudaTrainingTest {
    /** The configurations of train/TrainFixtures (package-private there), with the backend to use. */
    private static TrainConfig mlp(String backend, int steps) {
        TrainConfig base = new TrainConfig("add", 29, 0.4, 3, false, "mlp", 1, 32, 4, 128, "relu", false, true, 0.0, 16,
                new int[]{48}, "adamw", null, null, null, 0.9f, 0.98f, 1e-8f, 0f, false, false, false, "constant", 5, 1, 0,
                steps, 0, 5, 0, backend);
        return TrainConfig.grid(base, List.of(4L, 9L), List.of(3e-3f), List.of(0f, 1f));
    }

    private static TrainConfig transformer(String backend, int steps, double dropout) {
        TrainConfig base = new TrainConfig("add", 23, 0.5, 3, false, "transformer", 1, 16, 2, 32, "relu", true, true, dropout, 0,
                new int[]{16}, "adamw", null, null, null, 0.9f, 0.98f, 1e-8f, 0f, false, false, false, "constant", 5, 1, 0,
                steps, 0, 5, 0, backend);
        return TrainConfig.grid(base, List.of(1L, 2L), List.of(3e-3f), List.of(1f));
    }

    /** A finished Trainer run: its evaluation rows and its final state (weights, optimizer moments) on the host. */
    private record TrainerRun(List<double[]> evals, LinkedHashMap<String, float[]> state) {}

    private static TrainerRun trainerRun(Backend be, TrainConfig cfg) {
        List<double[]> rows = new ArrayList<>();
        var data = AlgorithmicDataset.build(Task.parse(cfg.task()), cfg.p(), cfg.trainFraction(), cfg.splitSeed(), cfg.opToken());
        LinkedHashMap<String, float[]> state = new LinkedHashMap<>();
        try (Scope s = Scope.open()) {
            Trainer t = new Trainer(be, cfg, data);
            t.run(new RunOutputs() {
                @Override public void evaluation(EvalRecord r) {
                    for (int m = 0; m < r.models(); m++) {
                        rows.add(new double[]{r.step(), m, r.trainLoss()[m], r.trainAcc()[m], r.testLoss()[m], r.testAcc()[m],
                                r.weightNorm()[m], r.gradNorm()[m]});
                    }
                }
                @Override public void checkpoint(int step, LinkedHashMap<String, Tensor> st) {}
            }, Progress.NONE);
            t.state().forEach((k, v) -> state.put(k, be.toHost(v).toFloatArray()));
        }
        return new TrainerRun(rows, state);
    }

    private static List<double[]> curve(Backend be, TrainConfig cfg) { return trainerRun(be, cfg).evals(); }

    private static void sameCurves(String what, List<double[]> cpu, List<double[]> gpu) {
        assertEquals(cpu.size(), gpu.size(), what + ": evaluation rows");
        String[] names = {"step", "model", "train loss", "train acc", "test loss", "test acc", "weight norm", "grad norm"};
        for (int i = 0; i < cpu.size(); i++) {
            double[] c = cpu.get(i), g = gpu.get(i);
            for (int k = 0; k < c.length; k++) {
                // Accuracies may flip on a near-tie logit; losses and norms drift at float32 rounding,
                // which Adam amplifies where a gradient is near zero (grad norms most).
                double tol = k == 3 || k == 5 ? 0.05 : (k == 7 ? 2e-2 : 5e-3) * Math.max(1, Math.abs(c[k]));
                assertEquals(c[k], g[k], tol, what + ": " + names[k] + " at step " + c[0] + " model " + c[1]);
            }
        }
    }

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void mlpTrainingMatchesTheCpu(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        sameCurves("mlp", curve(Backends.cpu(), mlp("cpu", 30)), curve(g, mlp("cuda", 30)));
    }

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void transformerTrainingMatchesTheCpu(String driver) {
        transformerCurves(driver, 30, 0);
        // Dropout masks are bit-identical across backends, so a run with dropout matches too.
        transformerCurves(driver, 15, 0.1);
    }

    void transformerCurves(String driver, int steps, double dropout) {
        CudaBackend g = CudaTests.backend(driver);
        sameCurves("transformer" + (dropout > 0 ? " with dropout" : ""), curve(Backends.cpu(), transformer("cpu", steps, dropout)),
                curve(g, transformer("cuda", steps, dropout)));
    }

    /** A small two-layer MLP ensemble trained by hand: the step a graph captures. */
    private static final class Step implements Runnable {
        final CudaBackend be;
        final Params params = new Params();
        final AdamW opt;
        final Tensor x, y;
        final int[] batch;
        int step;

        Step(CudaBackend be, long seed, boolean uploadEachStep) {
            this.be = be;
            Random r = new Random(seed);
            int models = 3, in = 17, hidden = 33, classes = 5, n = 41;
            params.add("w1", Check.randn(be, r, models, in, hidden));
            params.add("b1", Check.randn(be, r, models, 1, hidden));
            params.add("w2", Check.randn(be, r, models, hidden, classes));
            opt = new AdamW(params, 0.9f, 0.98f, 1e-8f, Decay.towardZero(new float[]{0f, 0.1f, 1f}), false);
            x = Check.randn(be, r, n, in);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = r.nextInt(classes);
            y = be.fromHost(labels, n);
            batch = uploadEachStep ? labels : null;
        }

        @Override public void run() {
            int s = ++step;
            try (Scope sc = Scope.open()) {
                // With uploadEachStep the labels go up inside the step (a minibatch's host data).
                Tensor labels = batch == null ? y : be.fromHost(batch, batch.length);
                Var h = Ops.relu(Ops.add(Ops.matmul(Var.constant(x), params.get("w1")), params.get("b1")));
                h = Ops.dropout(h, 0.2, 7, 1, s);
                Var logits = Ops.matmul(h, params.get("w2"));
                Var perModel = Ops.mean(Ops.crossEntropy(logits, labels), false, 1);
                Ops.sumAll(perModel).backward();
                float lr = 1e-2f * Math.min(1, s / 4f);   // warm-up: the learning rate changes every step
                opt.step(params, s, new float[]{lr, lr, lr});
                params.zeroGrads();
            }
        }

        float[] weights() {
            List<Float> all = new ArrayList<>();
            for (String n : params.names()) for (float v : be.toHost(params.get(n).value()).toFloatArray()) all.add(v);
            float[] out = new float[all.size()];
            for (int i = 0; i < out.length; i++) out[i] = all.get(i);
            return out;
        }
    }

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void graphReplayedStepEqualsTheEagerStep(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        for (boolean upload : new boolean[]{false, true}) {
            try (Scope s = Scope.open()) {
                Step eager = new Step(g, 11, upload), graphed = new Step(g, 11, upload);
                int steps = 12;
                for (int i = 0; i < steps; i++) eager.run();
                graphed.run();                                   // warm-up: the pool learns the step's sizes
                try (CudaGraphStep gs = new CudaGraphStep(g, graphed)) {
                    for (int i = 1; i < steps; i++) gs.run();    // capture, then replays
                    assertEquals(steps - 2, gs.replays());
                    assertTrue(gs.operations() > 10, "captured " + gs.operations() + " operations");
                }
                float[] a = eager.weights(), b = graphed.weights();
                assertEquals(a.length, b.length);
                for (int i = 0; i < a.length; i++) {
                    assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]),
                            "weight " + i + " after " + steps + " steps: eager " + a[i] + ", graph " + b[i] + (upload ? " (uploads)" : ""));
                }
            }
        }
    }

    /**
     * A full-batch transformer step (embedding gather and its scatter-add backward, attention,
     * layer norms, AdamW) captured after one eager warm-up step and replayed: the weights equal
     * the eager run's bit for bit. Replays compare every launch's argument bytes with the
     * captured ones, so this also checks that the pool hands out the same addresses every step.
     */
    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void graphReplayOfATransformerStep(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        TrainConfig cfg = transformer("cuda", 10, 0);
        try (Scope s = Scope.open()) {
            CudaBench.NandaStep eager = new CudaBench.NandaStep(g, cfg), graphed = new CudaBench.NandaStep(g, cfg);
            int steps = 5;
            for (int i = 0; i < steps; i++) eager.run();
            graphed.run();
            try (CudaGraphStep gs = new CudaGraphStep(g, graphed)) {
                for (int i = 1; i < steps; i++) gs.run();
                assertEquals(steps - 2, gs.replays());
            }
            for (String name : eager.params.names()) {
                float[] a = g.toHost(eager.params.get(name).value()).toFloatArray();
                float[] b = g.toHost(graphed.params.get(name).value()).toFloatArray();
                for (int i = 0; i < a.length; i++) {
                    assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]),
                            name + "[" + i + "] after " + steps + " steps: eager " + a[i] + ", graph " + b[i]);
                }
            }
        }
    }

    /**
     * A profiled step times every kernel the step launches, in the captured graph's order, and
     * computes exactly what an unprofiled step computes; profiling inside a graph step is refused.
     */
    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void profileTimesEveryOperationOfAStep(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        TrainConfig cfg = transformer("cuda", 10, 0);
        try (Scope s = Scope.open()) {
            CudaBench.NandaStep plain = new CudaBench.NandaStep(g, cfg), profiled = new CudaBench.NandaStep(g, cfg);
            plain.run();
            profiled.run();
            plain.run();
            KernelProfile p = g.profile(profiled, 2_000_000L);
            for (String name : plain.params.names()) {
                CudaTests.identical(name + " after a profiled step", g.toHost(plain.params.get(name).value()),
                        g.toHost(profiled.params.get(name).value()));
            }
            List<String> kernels = new ArrayList<>();
            for (KernelProfile.Op op : p.ops()) {
                assertTrue(op.ms() >= 0 && Double.isFinite(op.ms()), op + ": a time");
                if (!op.name().startsWith("copy ")) kernels.add(op.name());
            }
            assertTrue(p.spinMs() > 0 && p.enqueueMs() > 0, "spin " + p.spinMs() + " ms, enqueue " + p.enqueueMs() + " ms");
            assertEquals(p.totalMs(), p.byName().stream().mapToDouble(KernelProfile.Totals::ms).sum(), 1e-9);
            assertEquals(p.ops().size(), p.byName().stream().mapToInt(KernelProfile.Totals::launches).sum());

            List<String> captured = new ArrayList<>();
            try (CudaGraphStep gs = new CudaGraphStep(g, () -> {
                profiled.run();
                assertThrows(IllegalStateException.class, () -> g.profile(() -> { }), "profile inside a graph step");
            })) {
                gs.run();
                gs.operationNames().stream().filter(n -> !n.equals("memcpy")).forEach(captured::add);
            }
            assertEquals(captured, kernels, "the profiled kernels are the step's kernels, in order");
            assertTrue(kernels.size() > 20, kernels.size() + " kernels");
        }
    }

    /**
     * The Trainer hands its steps between evaluations to the backend's RepeatedStep: on CUDA, one
     * eager step, a capture, then graph replays, captured again after each evaluation step when the
     * pool's addresses moved. The run equals the kernel-by-kernel run bit for bit: a full-batch
     * transformer with dropout and a warm-up schedule (the learning rate and the dropout counter
     * change every step), and a minibatch MLP (its rows uploaded inside every step).
     */
    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void trainerReplaysItsStepsAsGraphs(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        // Both warm the learning rate up over 5 steps; evaluations at steps 7, 14 and 17.
        TrainConfig transformerRun = TrainConfig.grid(new TrainConfig("add", 23, 0.5, 3, false, "transformer", 1, 16, 2, 32, "relu",
                true, true, 0.1, 0, new int[]{16}, "adamw", null, null, null, 0.9f, 0.98f, 1e-8f, 0f, false, false, false,
                "constant", 5, 1, 0, 17, 0, 7, 0, "cuda"), List.of(1L, 2L), List.of(3e-3f), List.of(1f));
        TrainConfig minibatchRun = TrainConfig.grid(new TrainConfig("add", 29, 0.4, 3, false, "mlp", 1, 32, 4, 128, "relu", false,
                true, 0.0, 16, new int[]{48}, "adamw", null, null, null, 0.9f, 0.98f, 1e-8f, 0f, false, false, false,
                "constant", 5, 1, 0, 17, 16, 7, 0, "cuda"), List.of(4L, 9L), List.of(3e-3f), List.of(0f, 1f));
        for (TrainConfig cfg : List.of(transformerRun, minibatchRun)) {
            try {
                g.setGraphs(false);
                long before = g.graphLaunches();
                TrainerRun eager = trainerRun(g, cfg);
                assertEquals(before, g.graphLaunches(), "graphs off: no graph launched");
                g.setGraphs(true);
                TrainerRun graphed = trainerRun(g, cfg);
                // 17 steps, evaluations at 7, 14 and 17: 14 steps go through the repeated step, the first of
                // them eager, every other one a capture or a replay.
                assertEquals(13, g.graphLaunches() - before, cfg.model() + ": graph launches (captures and replays)");
                assertEquals(eager.evals.size(), graphed.evals.size());
                for (int i = 0; i < eager.evals.size(); i++) {
                    double[] a = eager.evals.get(i), b = graphed.evals.get(i);
                    for (int k = 0; k < a.length; k++) {
                        assertEquals(Double.doubleToRawLongBits(a[k]), Double.doubleToRawLongBits(b[k]),
                                cfg.model() + ": evaluation column " + k + " at step " + a[0] + ": eager " + a[k] + ", graph " + b[k]);
                    }
                }
                for (var e : eager.state.entrySet()) {
                    float[] a = e.getValue(), b = graphed.state.get(e.getKey());
                    for (int i = 0; i < a.length; i++) {
                        assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]),
                                cfg.model() + ": " + e.getKey() + "[" + i + "]: eager " + a[i] + ", graph " + b[i]);
                    }
                }
            } finally {
                g.setGraphs(true);
            }
        }
    }

    /**
     * A repeated step whose buffers change is captured again, one that changes on every replay
     * falls back to eager runs, and one that reads results on the host is never captured; every
     * run computes the step's result either way.
     */
    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void repeatedStepRecapturesOrRunsEagerly(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        try (Scope s = Scope.open()) {
            float[] host = {0.5f, -1.25f, 2f, 0.75f, -0.3f};
            Tensor a = g.fromHost(host, 5), out = g.empty(DType.F32, 5);
            int[] size = {5};
            Runnable step = () -> {
                try (Scope sc = Scope.open()) {
                    Tensor t = g.empty(DType.F32, size[0]);
                    g.unary(dev.groklab.backend.Unary.EXP, a.slice(0, 0, size[0]), t);
                    g.copy(t, out.slice(0, 0, size[0]));
                }
            };
            try (CudaRepeatedStep r = (CudaRepeatedStep) g.repeated(step)) {
                int[] sizes = {5, 5, 5, 4, 4, 4, 3, 5, 3, 5, 3, 5};
                for (int i = 0; i < sizes.length; i++) {
                    g.fill(out, -7);   // so that a run that computes nothing shows
                    size[0] = sizes[i];
                    r.run();
                    float[] o = g.toHost(out).toFloatArray();
                    for (int j = 0; j < 5; j++) {
                        float want = j < sizes[i] ? (float) Math.exp(host[j]) : -7f;
                        assertEquals(want, o[j], 1e-6f * Math.abs(want), "run " + i + " element " + j);
                    }
                    if (i == 2) assertEquals(List.of(1, 1, 1), List.of(r.eagerRuns(), r.captures(), r.replays()), "warm-up, capture, replay");
                    if (i == 5) assertEquals(List.of(1, 2, 3), List.of(r.eagerRuns(), r.captures(), r.replays()), "captured again at run 3");
                }
                // Runs 6 to 8 each differ from the step captured before them; the third miss in a row goes eager.
                assertEquals(List.of(5, 4, 3), List.of(r.eagerRuns(), r.captures(), r.replays()), "eager from run 8 on");
            }
            // A step that reads on the host cannot be captured: it runs eagerly every time.
            int[] reads = {0};
            try (CudaRepeatedStep r = (CudaRepeatedStep) g.repeated(() -> reads[0] += g.toHost(a).numel())) {
                for (int i = 0; i < 4; i++) r.run();
                assertEquals(List.of(4, 0), List.of(r.eagerRuns(), r.captures()));
                assertEquals(4 * 5, reads[0], "four eager runs (the capture stops before the read)");
            }
        }
    }

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void graphReplayRejectsADifferentStep(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        try (Scope s = Scope.open()) {
            Tensor a = g.fromHost(new float[]{1, 2, 3, 4}, 4);
            int[] size = {4};
            Runnable step = () -> {
                try (Scope sc = Scope.open()) {
                    Tensor t = g.empty(DType.F32, size[0]);
                    g.unary(dev.groklab.backend.Unary.EXP, a.slice(0, 0, size[0]), t);
                }
            };
            step.run();
            try (CudaGraphStep gs = new CudaGraphStep(g, step)) {
                gs.run();
                gs.run();
                size[0] = 3;
                IllegalStateException e = assertThrows(IllegalStateException.class, gs::run);
                assertTrue(e.getMessage().contains("CUDA graph step"), e.getMessage());
            }
            // Reading results on the host inside a captured step is refused.
            try (CudaGraphStep gs = new CudaGraphStep(g, () -> g.toHost(a))) {
                assertThrows(IllegalStateException.class, gs::run);
            }
            assertEquals(4, g.toHost(a).numel());   // the backend is usable afterwards
        }
    }

    @ParameterizedTest @MethodSource("dev.groklab.backend.cuda.CudaTests#drivers")
    void walkersMatchTheCpuReference(String driver) {
        CudaBackend g = CudaTests.backend(driver);
        int n = 4099, steps = 200;
        Potential crossing = new Potential.Crossing(4f, 0.25f);
        for (Potential u : new Potential[]{crossing, new Potential.Lines(3f, 0f, 5),
                new Potential.Regularized(crossing, 0.5f, 0.1f, -0.2f)}) {
            LangevinStep step = LangevinStep.brownian(u, Domain.torus(1.5f), 2e-3f, 0.1f, 17);
            Walkers cpu = Walkers.uniform(n, 1.5f, 17);
            Walkers gpu = cpu.copy();
            BrownianKernelReference.INSTANCE.advance(step, cpu, 0, steps);
            g.setExactWalkerMath(true);
            g.hostWalkers().advance(step, gpu, 0, steps);
            int exact = 0;
            double worst = 0;
            for (int i = 0; i < n; i++) {
                if (cpu.x0[i] == gpu.x0[i] && cpu.x1[i] == gpu.x1[i]) exact++;
                worst = Math.max(worst, Math.max(Math.abs(Domain.torus(1.5f).delta(cpu.x0[i], gpu.x0[i])),
                        Math.abs(Domain.torus(1.5f).delta(cpu.x1[i], gpu.x1[i]))));
            }
            // Double-precision log/sin/cos rounded to float agree with Math.* except at rare rounding ties.
            assertTrue(exact >= n * 99 / 100, u + ": only " + exact + " of " + n + " walkers bit-identical (worst |Δx| " + worst + ")");
            assertTrue(worst < 1e-3, u + ": worst |Δx| " + worst);
        }
        // Momentum dynamics (noisy SGD) and the fast float math.
        LangevinStep sgd = LangevinStep.sgd(crossing, Domain.plane(2f), 1e-2f, 0.05f, 0.9f, 5);
        Walkers cpu = Walkers.uniform(n, 2f, 5);
        Walkers gpu = cpu.copy();
        BrownianKernelReference.INSTANCE.advance(sgd, cpu, 3, 50);
        g.setExactWalkerMath(false);
        try {
            g.hostWalkers().advance(sgd, gpu, 3, 50);
        } finally {
            g.setExactWalkerMath(true);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(cpu.x0[i], gpu.x0[i], 1e-3, "sgd walker " + i + " x0");
            assertEquals(cpu.p1[i], gpu.p1[i], 1e-2, "sgd walker " + i + " p1");
        }
        // Uniform starts on the device equal Walkers.uniform exactly.
        try (Scope s = Scope.open()) {
            Tensor x0 = g.empty(DType.F32, n), x1 = g.empty(DType.F32, n);
            g.uniformWalkers(17, 1.5f, x0, x1);
            Walkers w = Walkers.uniform(n, 1.5f, 17);
            identical("uniform starts x0", Backends.cpu().fromHost(w.x0, n), g.toHost(x0));
            identical("uniform starts x1", Backends.cpu().fromHost(w.x1, n), g.toHost(x1));
        }
    }
}
