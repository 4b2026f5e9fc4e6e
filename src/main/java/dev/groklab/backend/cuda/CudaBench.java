package dev.groklab.backend.cuda;

import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;
import dev.groklab.data.AlgorithmicDataset;
import dev.groklab.data.Task;
import dev.groklab.nn.Model;
import dev.groklab.nn.Params;
import dev.groklab.optim.AdamW;
import dev.groklab.optim.Decay;
import dev.groklab.optim.Schedule;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.train.ModelFactory;
import dev.groklab.train.TrainConfig;
import dev.groklab.walkers.Domain;
import dev.groklab.walkers.LangevinStep;
import dev.groklab.walkers.Potential;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Timings of the CUDA kernels, one JSON object per line (stdout, and appended to {@code --out}):
 * sgemm (fp32 and TF32) at 1024/2048/4096, copy bandwidth, attention and cross-entropy at the
 * grokking shapes, Brownian walkers at 1e8, and a full nanda training step (1 and 64 models,
 * eager and CUDA-graph replayed). Device times come from CUDA events around many repetitions
 * (median); training steps are wall-clock over many steps, host overhead included. Every kernel
 * row gives its fraction of a roof measured in the same process: memory-bound kernels of the
 * device-to-device copy bandwidth ({@code of_copy_roof}), matmuls of the best square sgemm rate in
 * their precision ({@code of_matmul_roof}).
 *
 * <pre>java ... dev.groklab.backend.cuda.CudaBench [--out FILE] [--quick] [--only PART,...]</pre>
 * Sizes: {@link CudaBenchSizes}.
 */
public final class CudaBench {
    /** The parts, in the order they run; {@code --only} picks some. */
    static final List<String> PARTS = List.of("device", "matmul", "copy", "attention", "ce", "walkers", "nanda");

    private final CudaBackend be;
    private final Consumer<String> sink;
    private final CudaBenchSizes size;

    /** A bench whose JSON lines go to {@code sink}. */
    CudaBench(CudaBackend be, Consumer<String> sink, CudaBenchSizes size) {
        this.be = be;
        this.sink = sink;
        this.size = size;
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 2 && args[0].equals("--goals")) {
            // The goals table of an earlier run's bench.jsonl: no GPU needed.
            System.out.print(CudaBenchGoals.table(CudaBenchGoals.read(Path.of(args[1]))));
            return;
        }
        Path outFile = null;
        CudaBenchSizes size = CudaBenchSizes.FULL;
        List<String> only = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> outFile = Path.of(args[++i]);
                case "--quick" -> size = CudaBenchSizes.QUICK;
                case "--only" -> only.addAll(Arrays.asList(args[++i].split(",")));
                default -> usage("unknown argument " + args[i]);
            }
        }
        for (String name : only) if (!PARTS.contains(name)) usage("--only: unknown part " + name);
        CudaBackend.Availability a = CudaBackend.probe();
        if (!a.available()) {
            System.err.println("cuda bench: unavailable: " + a.reason());
            System.exit(2);
        }
        CudaBackend be = CudaBackend.get();
        int failed;
        try (PrintWriter w = outFile == null ? null : new PrintWriter(Files.newBufferedWriter(outFile,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND))) {
            failed = new CudaBench(be, line -> {
                System.out.println(line);
                if (w != null) {
                    w.println(line);
                    w.flush();
                }
            }, size).run(only.isEmpty() ? PARTS : only);
        }
        if (failed > 0) System.exit(1);
    }

    private static void usage(String problem) {
        System.err.println("cuda bench: " + problem + " (--out FILE, --quick, --only " + String.join(",", PARTS)
                + "; or --goals BENCH_JSONL)");
        System.exit(2);
    }

    /** Runs the named parts (of {@link #PARTS}) in their order; returns how many failed (each failure is an error row). */
    int run(List<String> only) {
        int failed = 0;
        if (only.contains("device")) emit(row("bench", "device", "device", be.describe()));
        if (only.contains("matmul")) failed += part("matmul", this::matmul);
        if (only.contains("copy")) failed += part("copy", this::copy);
        if (only.contains("attention")) failed += part("attention", this::attention);
        if (only.contains("ce")) failed += part("cross_entropy", this::crossEntropy);
        if (only.contains("walkers")) failed += part("walkers", this::walkers);
        if (only.contains("nanda")) failed += nanda();
        return failed;
    }

    /**
     * Runs one part; a failure becomes an error row (and a stack trace on stderr) and the next
     * part still runs. After a kernel fault the context is unusable and later parts fail too;
     * cuda_bench.sh runs each part in its own JVM for that reason.
     */
    private int part(String name, Runnable body) {
        long t0 = System.nanoTime();
        try {
            body.run();
            return 0;
        } catch (RuntimeException | Error e) {
            System.err.println("cuda bench: " + name + " failed:");
            e.printStackTrace();
            emit(row("bench", name, "error", String.valueOf(e), "after_s", (System.nanoTime() - t0) * 1e-9));
            return 1;
        }
    }

    private void emit(Map<String, Object> row) {
        StringBuilder sb = new StringBuilder("{");
        for (var e : row.entrySet()) {
            if (sb.length() > 1) sb.append(", ");
            sb.append('"').append(e.getKey()).append("\": ");
            Object v = e.getValue();
            if (v instanceof Number n) {
                double d = n.doubleValue();
                sb.append(n instanceof Integer || n instanceof Long ? n.toString()
                        : Double.isFinite(d) ? String.format(Locale.ROOT, "%.6g", d) : "null");
            } else if (v instanceof Boolean) {
                sb.append(v);
            } else {
                sb.append('"');
                for (char ch : String.valueOf(v).toCharArray()) {
                    if (ch == '"' || ch == '\\') sb.append('\\').append(ch);
                    else if (ch < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    else sb.append(ch);
                }
                sb.append('"');
            }
        }
        sb.append("}");
        sink.accept(sb.toString());
    }

    private static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    /** Median of {@code reps} event-timed runs after {@code warm} untimed ones (each at most the sizes' repeats), in ms. */
    private double medianMs(int warm, int reps, Runnable r) {
        warm = Math.min(warm, size.repeats());
        reps = Math.min(reps, size.repeats());
        for (int i = 0; i < warm; i++) r.run();
        be.synchronize();
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) t[i] = be.timeMs(r);
        Arrays.sort(t);
        return t[reps / 2];
    }

    private double copyGbps;

    /**
     * The memory roof of this device as measured here: a dense device-to-device copy (512 MiB),
     * bytes read plus written per second. Memory-bound kernels report their GB/s as a fraction of it.
     */
    private double copyRoofGbps() {
        if (copyGbps == 0) {
            try (Scope s = Scope.open()) {
                int n = size.roofFloats();
                Tensor a = random(99, n), b = be.empty(DType.F32, n);
                double ms = medianMs(2, 10, () -> be.copy(a, b));
                copyGbps = 2.0 * 4 * n / (ms * 1e-3) / 1e9;
            }
        }
        return copyGbps;
    }

    /** A memory-bound kernel's row: its GB/s and their fraction of the measured copy bandwidth. */
    private Map<String, Object> memoryRow(double bytes, double ms, Object... kv) {
        Map<String, Object> r = row(kv);
        double gbps = bytes / (ms * 1e-3) / 1e9;
        r.put("ms", ms);
        r.put("gbps", gbps);
        r.put("of_copy_roof", gbps / copyRoofGbps());
        return r;
    }

    /** A shape as the rows print it: [64,11493,128]. */
    private static String shape(int... dims) {
        return Arrays.toString(dims).replace(" ", "");
    }

    /** Device-side uniform noise in [−1, 1): inputs that are never all zeros, without host transfers. */
    private Tensor random(int seed, int... shape) {
        Tensor a = be.empty(DType.F32, shape);
        int n = a.numel();
        Tensor flat = a.reshape(n), scratch = be.empty(DType.F32, n);
        be.uniformWalkers(seed, 1f, flat, scratch);
        return a;
    }

    /**
     * sgemm at square sizes, then transposed operands and the grokking models' batched shapes. The
     * matmul roof is the best square rate measured in the same precision; every row reports its
     * fraction of it (cuBLAS's rate comes from the PyTorch peer in the same run).
     */
    private void matmul() {
        int[] sizes = size.squares();
        for (boolean tf : new boolean[]{false, true}) {
            be.setTf32(tf);
            String precision = tf ? "tf32" : "fp32";
            List<Map<String, Object>> rows = new ArrayList<>();
            double roof = 0;
            for (int n : sizes) {
                try (Scope s = Scope.open()) {
                    Tensor a = random(1, n, n), b = random(2, n, n), c = be.empty(DType.F32, n, n);
                    int reps = n >= 4096 ? 10 : 20;   // the largest takes long enough that fewer suffice
                    double ms = medianMs(3, reps, () -> be.matmul(a, b, c, false));
                    double gflops = 2.0 * n * n * n / (ms * 1e-3) / 1e9;
                    roof = Math.max(roof, gflops);
                    rows.add(row("bench", "matmul", "precision", precision, "n", n, "ms", ms, "gflops", gflops));
                }
            }
            // Transposed operands and a batched, shared-weight shape of the grokking models.
            try (Scope s = Scope.open()) {
                int n = size.transposed();
                Tensor a = random(3, n, n).transpose(0, 1), b = random(4, n, n).transpose(0, 1), c = be.empty(DType.F32, n, n);
                double ms = medianMs(3, 20, () -> be.matmul(a, b, c, false));
                rows.add(row("bench", "matmul", "precision", precision, "n", n, "layout", "AᵀBᵀ", "ms", ms,
                        "gflops", 2.0 * n * n * n / (ms * 1e-3) / 1e9));
                // The ensemble's MLP input: every model's 3 token positions of every training row.
                int m = size.ensemble(), r = 3 * size.trainRows(), d = size.dModel(), f = size.dMlp();
                double flop = 2.0 * m * r * d * f;
                Tensor x = random(5, m, r, d), wt = random(6, m, d, f), y = be.empty(DType.F32, m, r, f);
                double ms2 = medianMs(3, 20, () -> be.matmul(x, wt, y, false));
                rows.add(row("bench", "matmul", "precision", precision, "shape", shape(m, r, d) + "x" + shape(m, d, f), "ms", ms2,
                        "gflops", flop / (ms2 * 1e-3) / 1e9));
                Tensor g = be.empty(DType.F32, m, d, f);
                double ms3 = medianMs(3, 20, () -> be.matmul(x.transpose(-1, -2), y, g, false));
                rows.add(row("bench", "matmul", "precision", precision, "shape", shape(m, d, r) + "x" + shape(m, r, f) + " (weight grad)",
                        "ms", ms3, "gflops", flop / (ms3 * 1e-3) / 1e9));
            }
            for (Map<String, Object> r : rows) {
                r.put("of_matmul_roof", (Double) r.get("gflops") / roof);
                emit(r);
            }
        }
        be.setTf32(false);
    }

    private void copy() {
        try (Scope s = Scope.open()) {
            int n = size.copyFloats();
            Tensor a = random(7, n), b = be.empty(DType.F32, n);
            double ms = medianMs(2, 10, () -> be.copy(a, b));
            emit(memoryRow(2.0 * 4 * n, ms, "bench", "copy", "kind", "dense (memcpy)", "bytes", 4L * n));
            int side = size.copySide();
            Tensor m = a.reshape(side, n / side), t = be.empty(DType.F32, n / side, side);
            double ms2 = medianMs(2, 10, () -> be.copy(m.transpose(0, 1), t));
            emit(memoryRow(2.0 * 4 * n, ms2, "bench", "copy", "kind", "transpose (strided kernel)", "bytes", 4L * n));
            Tensor c = be.empty(DType.F32, n);
            double ms3 = medianMs(2, 10, () -> be.binary(dev.groklab.backend.Binary.ADD, a, b, c));
            emit(memoryRow(3.0 * 4 * n, ms3, "bench", "elementwise", "kind", "add", "bytes", 12L * n));
        }
    }

    /** Nanda's attention: B = models · train rows · heads (3831 · 4 for one nanda model), T = 3, D = d_head (32). */
    private void attention() {
        for (int models : new int[]{1, size.ensemble()}) {
            try (Scope s = Scope.open()) {
                int b = models * size.trainRows() * size.heads(), t = 3, d = size.dHead();
                Tensor q = random(8, b, t, d), k = random(9, b, t, d), v = random(10, b, t, d);
                Tensor o = be.empty(DType.F32, b, t, d), lse = be.empty(DType.F32, b, t);
                double fwd = medianMs(3, 20, () -> be.attention(q, k, v, true, o, lse));
                long fwdBytes = 4L * b * t * (4L * d + 1);
                emit(memoryRow(fwdBytes, fwd, "bench", "attention", "pass", "forward", "B", b, "T", t, "D", d));
                Tensor go = random(11, b, t, d), gq = be.empty(DType.F32, b, t, d), gk = be.empty(DType.F32, b, t, d),
                        gv = be.empty(DType.F32, b, t, d);
                double bwd = medianMs(3, 20, () -> be.attentionBackward(q, k, v, true, o, lse, go, gq, gk, gv));
                long bwdBytes = 4L * b * t * (8L * d + 1);
                emit(memoryRow(bwdBytes, bwd, "bench", "attention", "pass", "backward", "B", b, "T", t, "D", d));
            }
        }
    }

    private void crossEntropy() {
        for (int models : new int[]{1, size.ensemble()}) {
            try (Scope s = Scope.open()) {
                int rows = models * size.trainRows(), c = size.classes();
                Tensor logits = random(12, rows, c);
                int[] t = new int[size.trainRows()];
                for (int i = 0; i < t.length; i++) t[i] = (i * 37) % c;
                Tensor targets = be.fromHost(t, t.length);
                Tensor loss = be.empty(DType.F32, rows), lse = be.empty(DType.F32, rows), g = random(13, rows),
                        gl = be.empty(DType.F32, rows, c);
                double fwd = medianMs(3, 20, () -> be.crossEntropy(logits, targets, loss, lse));
                double bwd = medianMs(3, 20, () -> be.crossEntropyBackward(logits, targets, lse, g, gl));
                emit(memoryRow(4.0 * rows * (c + 2), fwd, "bench", "cross_entropy", "pass", "forward", "rows", rows, "classes", c));
                emit(memoryRow(4.0 * rows * (2 * c + 2), bwd, "bench", "cross_entropy", "pass", "backward", "rows", rows, "classes", c));
            }
        }
    }

    /** Brownian motion on the crossing potential, torus [−L, L)², as the seed-002 preset. */
    private void walkers() {
        int n = size.walkers(), steps = 100;
        LangevinStep step = LangevinStep.brownian(new Potential.Crossing(4f, 0f), Domain.torus(2f), 1e-3f, 0.05f, 7);
        try (Scope s = Scope.open()) {
            Tensor x0 = be.empty(DType.F32, n), x1 = be.empty(DType.F32, n);
            for (boolean exact : new boolean[]{true, false}) {
                be.setExactWalkerMath(exact);
                be.uniformWalkers(7, 2f, x0, x1);
                int[] from = {0};
                double ms = medianMs(1, 5, () -> {
                    be.langevin(step, x0, x1, null, null, from[0], steps);
                    from[0] += steps;
                });
                emit(row("bench", "walkers", "potential", "crossing", "math", exact ? "exact (double log/sincos)" : "fast (float)",
                        "walkers", n, "steps", steps, "ms", ms, "walker_steps_per_s", (double) n * steps / (ms * 1e-3)));
            }
            be.setExactWalkerMath(true);
        }
    }

    /** A full-batch training step of the nanda model on this backend, as the Trainer runs it. */
    static final class NandaStep implements Runnable {
        final Model model;
        final Params params;
        final AdamW opt;
        final Tensor ids, labels;
        final int rows;
        final float[] baseLr;
        final Schedule schedule = Schedule.constant(10);
        int step;

        /** The same full-batch step for another configuration (tests use a small transformer). */
        NandaStep(CudaBackend be, TrainConfig cfg) {
            AlgorithmicDataset data = AlgorithmicDataset.build(Task.parse(cfg.task()), cfg.p(), cfg.trainFraction(), cfg.splitSeed(),
                    cfg.opToken());
            model = ModelFactory.build(be, cfg, data.vocab(), data.seqLen(), data.classes());
            params = model.params();
            opt = new AdamW(params, cfg.beta1(), cfg.beta2(), cfg.eps(), Decay.towardZero(cfg.weightDecay()), false);
            int t = data.seqLen();
            int[] tr = data.trainIdx();
            int[] seq = new int[tr.length * t], lab = new int[tr.length];
            for (int i = 0; i < tr.length; i++) {
                System.arraycopy(data.inputs(), tr[i] * t, seq, i * t, t);
                lab[i] = data.labels()[tr[i]];
            }
            int[] idv = model.inputIds(seq, t);
            ids = be.fromHost(idv, idv.length);
            labels = be.fromHost(lab, lab.length);
            rows = tr.length;
            baseLr = cfg.lr();
        }

        @Override public void run() {
            int s = ++step;
            try (Scope sc = Scope.open()) {
                Var logits = model.logits(ids, rows, true, s);
                Var perModel = Ops.mean(Ops.crossEntropy(logits, labels), false, 1);
                Ops.sumAll(perModel).backward();
                opt.step(params, s, schedule.apply(baseLr, s));
                params.zeroGrads();
            }
        }
    }

    /**
     * The training step of one model and of the ensemble, eager and graph-replayed: the goals'
     * rows, both taken before the diagnostics (the profile, the split-K sweep), whose failure then
     * costs only their own rows.
     */
    private int nanda() {
        int failed = 0;
        int[] counts = {1, size.ensemble()};
        for (int models : counts) failed += part("nanda_step", () -> nandaSteps(models));
        for (int models : counts) failed += part("nanda_profile", () -> nandaProfile(models));
        for (int models : counts) failed += part("nanda_split_k", () -> nandaSplitK(models));
        return failed;
    }

    private void nandaSteps(int models) {
        try (Scope s = Scope.open()) {
            NandaStep step = new NandaStep(be, size.nanda().apply(models));
            int warm = Math.min(5, size.repeats()), n = size.steps(models);
            for (int i = 0; i < warm; i++) step.run();
            be.synchronize();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) step.run();
            be.synchronize();
            double eager = (System.nanoTime() - t0) * 1e-9 / n;
            emit(row("bench", "nanda_step", "models", models, "mode", "eager", "train_rows", step.rows, "step_ms", eager * 1e3,
                    "steps_per_s", 1 / eager, "model_steps_per_s", models / eager));
            try (CudaGraphStep g = new CudaGraphStep(be, step)) {
                g.run();
                for (int i = 0; i < warm; i++) g.run();
                be.synchronize();
                t0 = System.nanoTime();
                for (int i = 0; i < n; i++) g.run();
                be.synchronize();
                double graph = (System.nanoTime() - t0) * 1e-9 / n;
                emit(row("bench", "nanda_step", "models", models, "mode", "graph", "operations", g.operations(),
                        "step_ms", graph * 1e3, "steps_per_s", 1 / graph, "model_steps_per_s", models / graph));
                double launch = medianMs(2, 20, g::launchOnly);
                emit(row("bench", "nanda_step", "models", models, "mode", "graph launch only (GPU time)", "step_ms", launch,
                        "steps_per_s", 1e3 / launch, "model_steps_per_s", models * 1e3 / launch));
            }
        }
    }

    /** Where a step's GPU time goes: each kernel's share, its launches timed back to back. */
    private void nandaProfile(int models) {
        KernelProfile p;
        try (Scope s = Scope.open()) {
            NandaStep step = new NandaStep(be, size.nanda().apply(models));
            step.run();   // the first step allocates; the profiled one reuses the pool as every later step does
            p = be.profile(step);
        }
        double total = p.totalMs();
        emit(row("bench", "nanda_profile", "models", models, "operations", p.ops().size(), "gpu_ms", total,
                "host_bound", p.hostBound(), "spin_ms", p.spinMs(), "enqueue_ms", p.enqueueMs()));
        for (KernelProfile.Totals t : p.byName()) {
            emit(row("bench", "nanda_profile", "models", models, "kernel", t.name(), "launches", t.launches(),
                    "gpu_us", t.ms() * 1e3, "share", t.ms() / total));
        }
        if (models == 1) {
            for (int i = 0; i < p.ops().size(); i++) {
                KernelProfile.Op op = p.ops().get(i);
                emit(row("bench", "nanda_profile_op", "models", models, "index", i, "kernel", op.name(), "detail", op.detail(),
                        "gpu_us", op.ms() * 1e3));
            }
        }
    }

    /**
     * The graph-replayed step's GPU time with split-K (more blocks for a short product, one more
     * launch to sum their partials) from several k-tile counts up, and never.
     */
    private void nandaSplitK(int models) {
        try (Scope s = Scope.open()) {
            NandaStep step = new NandaStep(be, size.nanda().apply(models));
            for (int minTiles : new int[]{CudaBackend.DEFAULT_SPLIT_K_MIN_TILES, 32, 128, Integer.MAX_VALUE}) {
                be.setSplitKMinTiles(minTiles);
                try (CudaGraphStep g = new CudaGraphStep(be, step)) {
                    g.run();
                    double launch = medianMs(3, 20, g::launchOnly);
                    emit(row("bench", "nanda_split_k", "models", models,
                            "split_from_k_tiles", minTiles == Integer.MAX_VALUE ? "never" : minTiles,
                            "operations", g.operations(), "step_ms", launch));
                }
            }
        } finally {
            be.setSplitKMinTiles(CudaBackend.DEFAULT_SPLIT_K_MIN_TILES);
        }
    }
}
