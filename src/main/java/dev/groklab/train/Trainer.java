package dev.groklab.train;

import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.backend.RepeatedStep;
import dev.groklab.data.AlgorithmicDataset;
import dev.groklab.data.MnistData;
import dev.groklab.nn.Model;
import dev.groklab.nn.Params;
import dev.groklab.optim.AdamW;
import dev.groklab.optim.Decay;
import dev.groklab.optim.Optimizer;
import dev.groklab.optim.Schedule;
import dev.groklab.optim.Sgd;
import dev.groklab.rng.Philox;
import dev.groklab.tensor.Device;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Trains an ensemble on an algorithmic dataset or on images: forward, backward and the fused optimizer step
 * every step; evaluation, metrics and checkpoints every few. Every step runs in its own
 * {@link Scope}, so memory stays flat however long the run. Construct inside a long-lived scope
 * (weights and optimizer state live there).
 */
public final class Trainer {
    public static final String OPTIMIZERS = "adamw, adam, sgd, hmc";

    private final Backend be;
    private final TrainConfig cfg;
    private final Model model;
    private final Params params;
    private final Optimizer optimizer;
    private final Schedule schedule;
    private final Split train, test;
    private final LowLossMethods lowLoss;
    private final Loss loss;
    private final Evaluator evaluator;
    private final NormConstraint sphere;
    private int step;
    /** The step a {@link RepeatedStep} runs next (it reads the number, never advances it). */
    private int pendingStep;

    public Trainer(Backend be, TrainConfig cfg, AlgorithmicDataset data) { this(be, cfg, new TrainData.Tokens(data)); }

    public Trainer(Backend be, TrainConfig cfg, TrainData data) {
        this.be = be;
        this.cfg = cfg;
        if (cfg.steps() < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + cfg.steps());
        if (cfg.evalEvery() < 1) throw new IllegalArgumentException("--eval-every must be >= 1, got " + cfg.evalEvery());
        if (!(cfg.initScale() > 0)) throw new IllegalArgumentException("--init-scale must be > 0, got " + cfg.initScale());
        this.loss = Loss.parse(cfg.omnigrok().loss());
        this.evaluator = new Evaluator(4096, loss);
        this.model = switch (data) {
            case TrainData.Tokens t -> ModelFactory.build(be, cfg, t.data().vocab(), t.data().seqLen(), t.data().classes());
            case TrainData.Images i -> ModelFactory.dense(be, cfg, i.data().pixels(), i.data().classes());
        };
        this.params = model.params();
        if (cfg.initScale() != 1) {
            // Omnigrok's α: every parameter scaled after the usual initialization.
            for (var v : params.vars()) be.scalar(dev.groklab.backend.ScalarOp.MUL, v.value(), cfg.initScale(), v.value());
        }
        if (cfg.explore().initFrom() != null) InitFrom.load(params, model.models(), cfg.explore().initFrom());
        // Captured from the starting weights (fresh and deterministic, or the --init-from checkpoint's),
        // so a resumed run gets the same targets.
        this.sphere = cfg.omnigrok().constrainNorm() ? NormConstraint.capture(be, params, model.models()) : null;
        this.schedule = new Schedule(cfg.schedule(), cfg.warmup(), cfg.steps(), cfg.lrJumpFactor(), cfg.lrJumpStep());
        Decay decay = cfg.decayToInit() ? Decay.towardInit(cfg.weightDecay(), params) : Decay.towardZero(cfg.weightDecay());
        this.optimizer = switch (cfg.optimizer()) {
            case "adamw" -> new AdamW(params, cfg.beta1(), cfg.beta2(), cfg.eps(), decay, cfg.coupledDecay());
            case "adam" -> new AdamW(params, cfg.beta1(), cfg.beta2(), cfg.eps(), decay, true);
            case "sgd" -> new Sgd(params, cfg.momentum(), cfg.nesterov(), decay);
            case LowLossMethods.HMC -> null; // HMC moves the weights itself (advance)
            default -> throw new IllegalArgumentException("--optimizer: unknown '" + cfg.optimizer() + "' (allowed: " + OPTIMIZERS + ")");
        };
        this.lowLoss = new LowLossMethods(be, cfg, params);
        switch (data) {
            case TrainData.Tokens t -> {
                this.train = split(t.data(), "train", t.data().trainIdx());
                this.test = split(t.data(), "test", t.data().testIdx());
            }
            case TrainData.Images i -> {
                MnistData d = i.data();
                int classes = loss == Loss.MSE ? d.classes() : 0;
                this.train = Split.features(be, "train", d.trainImages(), d.pixels(), d.trainLabels(), classes);
                this.test = Split.features(be, "test", d.testImages(), d.pixels(), d.testLabels(), classes);
            }
        }
        if (!cfg.fullBatch() && cfg.batch() > train.count()) {
            throw new IllegalArgumentException("--batch " + cfg.batch() + " exceeds the " + train.count() + " training examples");
        }
    }

    private Split split(AlgorithmicDataset data, String name, int[] rows) {
        int t = data.seqLen();
        int[] seq = new int[rows.length * t], labels = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(data.inputs(), rows[i] * t, seq, i * t, t);
            labels[i] = data.labels()[rows[i]];
        }
        int[] ids = model.inputIds(seq, t);
        return Split.of(be, name, ids, ids.length / Math.max(1, rows.length), labels, loss == Loss.MSE ? data.classes() : 0);
    }

    public Model model() { return model; }

    public Backend backend() { return be; }

    public int step() { return step; }

    public Split trainSplit() { return train; }

    public Split testSplit() { return test; }

    /** The constrained-norm targets per model, or null when the norm is free. */
    public double[] normTargets() { return sphere == null ? null : sphere.targets(); }

    /** Weights and optimizer state by name, as checkpoints store them. */
    public LinkedHashMap<String, Tensor> state() {
        LinkedHashMap<String, Tensor> s = new LinkedHashMap<>();
        for (String n : params.names()) s.put("param." + n, params.get(n).value());
        if (optimizer != null) s.putAll(optimizer.state());
        lowLoss.putState(s);
        return s;
    }

    /** Restores a checkpoint's tensors (host copies) into the live state and sets the step. */
    public void restore(int atStep, Map<String, Tensor> saved) {
        for (var e : state().entrySet()) {
            Tensor src = saved.get(e.getKey());
            if (src == null) throw new IllegalArgumentException("--resume: checkpoint lacks " + e.getKey());
            if (!src.sameShape(e.getValue())) {
                throw new IllegalArgumentException("--resume: " + e.getKey() + " has shape " + java.util.Arrays.toString(src.shape())
                        + " in the checkpoint but " + java.util.Arrays.toString(e.getValue().shape()) + " in this run");
            }
            be.copy(src, e.getValue());
        }
        lowLoss.restored();
        this.step = atStep;
    }

    /** Rows of minibatch {@code step} (1-based): epochs are seeded permutations of the training set. */
    int[] batchRows(int s) {
        int n = train.count(), b = cfg.batch(), perEpoch = n / b;
        long g = s - 1;
        long epoch = g / perEpoch;
        int offset = (int) (g % perEpoch) * b;
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = (int) ((Philox.bits((int) cfg.splitSeed(), 0x5EED, i, epoch, 0) & 0xFFFFFFFFL) % (i + 1));
            int tmp = perm[i]; perm[i] = perm[j]; perm[j] = tmp;
        }
        int[] rows = new int[b];
        System.arraycopy(perm, offset, rows, 0, b);
        return rows;
    }

    /**
     * Runs from the current step to {@code cfg.steps()}; returns the last evaluation. Steps between
     * evaluations go through the backend's {@link RepeatedStep} (on CUDA a graph replay, with no
     * host synchronization); evaluation steps, which read gradient norms, run as {@link #advance}.
     */
    public EvalRecord run(RunOutputs out, Progress progress) {
        long t0 = System.nanoTime();
        int startStep = step;
        EvalRecord last = null;
        if (step == 0) {
            last = evaluate(0, null, schedule.apply(cfg.lr(), 1), 0);
            out.evaluation(last);
        }
        try (RepeatedStep steps = steps(out)) {
            while (step < cfg.steps()) {
                int s = step + 1;
                boolean evalNow = s % cfg.evalEvery() == 0 || s == cfg.steps();
                float[] lr = schedule.apply(cfg.lr(), s);
                double[] gradNorm = null;
                if (evalNow) gradNorm = advance(out, true);
                else steps.run();
                double secs = (System.nanoTime() - t0) / 1e9;
                if (evalNow) {
                    last = evaluate(s, gradNorm, lr, secs);
                    out.evaluation(last);
                }
                if ((cfg.checkpointEvery() > 0 && s % cfg.checkpointEvery() == 0) || s == cfg.steps()) out.checkpoint(s, state());
                progress.update(s, cfg.steps(), last, (s - startStep) / Math.max(secs, 1e-9));
            }
        }
        return last;
    }

    /**
     * Training steps as {@link #run} takes them between evaluations: each {@code run()} advances
     * one step without gradient norms, through the backend's {@link RepeatedStep} where the step
     * allows it (on CUDA a graph replay), else as {@link #advance}. Close it when done.
     */
    public RepeatedStep steps(RunOutputs out) {
        RepeatedStep repeated = replayable() ? be.repeated(this::replayedStep) : null;
        return new RepeatedStep() {
            @Override public void run() {
                if (repeated == null) {
                    advance(out, false);
                    return;
                }
                pendingStep = step + 1;
                repeated.run();
                step = pendingStep;
            }

            @Override public void close() { if (repeated != null) repeated.close(); }
        };
    }

    /**
     * Whether a step can be handed to {@link Backend#repeated}: it must not read results on the
     * host, which the CPU backend's per-step loss check, HMC's accept/reject and the constrained
     * norm's rescaling do.
     */
    private boolean replayable() {
        return be.device().kind() != Device.Kind.CPU && !lowLoss.isHmc() && sphere == null;
    }

    /** Step {@link #pendingStep} as {@link #advance} runs it without gradient norms; it never counts itself. */
    private void replayedStep() {
        int s = pendingStep;
        try (Scope sc = Scope.open()) {
            descend(RunOutputs.NONE, s, schedule.apply(cfg.lr(), s), false);
            lowLoss.afterUpdate(s);
        }
    }

    /**
     * One optimizer step (forward, backward, update) in its own scope; returns the gradient norms
     * when {@code withGradNorm}, else null. The loss is checked for NaN/Inf every step on the CPU
     * (cheap there) and at gradient-norm steps elsewhere.
     */
    public double[] advance(RunOutputs out, boolean withGradNorm) {
        int s = step + 1;
        float[] lr = schedule.apply(cfg.lr(), s);
        double[] gradNorm = null;
        try (Scope sc = Scope.open()) {
            if (lowLoss.isHmc()) {
                // Deterministic full-batch potential: no dropout inside a trajectory.
                lowLoss.hmcStep(s, lr, train.count(), () -> Ops.mean(loss.perRow(
                        model.logits(train.ids(), train.count(), false, s), train), false, 1));
            } else {
                gradNorm = descend(out, s, lr, withGradNorm);
            }
            lowLoss.afterUpdate(s);
            if (sphere != null) sphere.apply(be, params);
        }
        step = s;
        return gradNorm;
    }

    /** Forward, backward and the optimizer update of step s (gradient methods), in the caller's scope. */
    private double[] descend(RunOutputs out, int s, float[] lr, boolean withGradNorm) {
        Split batch = cfg.fullBatch() ? train : train.rows(be, batchRows(s));
        Var logits = model.logits(batch.ids(), batch.count(), true, s);
        Var perModel = Ops.mean(loss.perRow(logits, batch), false, 1);
        if (be.device().kind() == Device.Kind.CPU || withGradNorm) checkFinite(out, s, perModel.value());
        Ops.sumAll(lowLoss.objective(perModel)).backward();
        double[] gradNorm = withGradNorm ? Norms.gradients(be, params, model.models()) : null;
        lowLoss.afterBackward(s);
        optimizer.step(params, s, lr);
        params.zeroGrads();
        return gradNorm;
    }

    private void checkFinite(RunOutputs out, int s, Tensor perModelLoss) {
        float[] l = be.toHost(perModelLoss).toFloatArray();
        for (int m = 0; m < l.length; m++) {
            if (!Float.isFinite(l[m])) {
                out.checkpoint(s - 1, state());
                throw new DivergedException(s, "loss of model " + m + " is " + l[m] + " at step " + s
                        + "; the last good state (step " + (s - 1) + ") is checkpointed");
            }
        }
    }

    private EvalRecord evaluate(int s, double[] gradNorm, float[] lr, double secs) {
        int m = model.models();
        Evaluator.Scores tr = evaluator.evaluate(be, model, train), te = evaluator.evaluate(be, model, test);
        var prefixes = model.layerPrefixes();
        double[][] norms = Norms.weights(be, params, prefixes, m);
        double[][] layers = java.util.Arrays.copyOf(norms, prefixes.size());
        return new EvalRecord(s, tr.loss(), tr.accuracy(), te.loss(), te.accuracy(), norms[prefixes.size()], prefixes, layers,
                gradNorm == null ? new double[m] : gradNorm, lr, secs, lowLoss.metrics());
    }
}
