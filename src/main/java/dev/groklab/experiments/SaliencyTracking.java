package dev.groklab.experiments;

import dev.groklab.circuits.Examples;
import dev.groklab.circuits.IntegratedGradients;
import dev.groklab.circuits.Objective;
import dev.groklab.circuits.SaliencyRecorder;
import dev.groklab.io.Heatmap;
import dev.groklab.nn.NeuronAccess;
import dev.groklab.tensor.Tensor;
import dev.groklab.train.EvalRecord;
import dev.groklab.train.ModelCurves;
import dev.groklab.train.RunOutputs;
import dev.groklab.train.Split;
import dev.groklab.train.Trainer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * A run's outputs plus IG saliency and top-k ablation of one hidden layer at every {@code every}-th
 * step (and the last): `train --saliency-every N` and the saliency experiment. Analysis steps
 * must be evaluation steps, since the analysis rides on the evaluation callback.
 */
public final class SaliencyTracking implements RunOutputs {
    public static final int[] KS = {1, 2, 4, 8, 16, 32, 64, 128};

    private final RunOutputs inner;
    private final SaliencyRecorder sal;
    private final NeuronAccess model;
    private final Examples attributeOn, train, test;
    private final int every, lastStep;
    private final Consumer<SaliencyRecorder.Point> onPoint;
    private double seconds;

    /**
     * @param sample  attribute on this many random training rows (0: all of them)
     * @param onPoint called with model 0's point after each analysis (progress lines)
     */
    public SaliencyTracking(RunOutputs inner, Trainer trainer, SaliencyRecorder.Settings settings, int every, int lastStep,
                            int sample, long seed, Consumer<SaliencyRecorder.Point> onPoint) {
        if (!(trainer.model() instanceof NeuronAccess access)) {
            throw new IllegalArgumentException("--saliency-every: the model has no hidden neurons to attribute (use mlp, mlp-onehot or transformer)");
        }
        if (every < 1) throw new IllegalArgumentException("--saliency-every must be >= 1, got " + every);
        this.inner = inner;
        this.sal = new SaliencyRecorder(settings);
        this.model = access;
        this.every = every;
        this.lastStep = lastStep;
        this.onPoint = onPoint;
        this.train = examples(trainer.trainSplit());
        this.test = examples(trainer.testSplit());
        int n = train.count();
        this.attributeOn = sample > 0 && sample < n
                ? examples(trainer.trainSplit().rows(trainer.backend(), sample(n, sample, seed))) : train;
    }

    /** The experiment's defaults: first hidden layer, midpoint rule, the correct class's log-probability. */
    public static SaliencyRecorder.Settings settings(int igSteps, long seed) {
        return new SaliencyRecorder.Settings(0, igSteps, IntegratedGradients.Rule.MIDPOINT, Objective.LOG_PROB, KS, 40, 1234 + seed);
    }

    @Override public void evaluation(EvalRecord r) {
        inner.evaluation(r);
        if (r.step() % every != 0 && r.step() != lastStep) return;
        long t0 = System.nanoTime();
        var points = sal.record(r.step(), model, attributeOn, train, test);
        seconds += (System.nanoTime() - t0) / 1e9;
        onPoint.accept(points.get(0));
    }

    @Override public void checkpoint(int step, LinkedHashMap<String, Tensor> state) { inner.checkpoint(step, state); }

    public SaliencyRecorder recorder() { return sal; }

    public int attributedExamples() { return attributeOn.count(); }

    /** Seconds spent in the analysis (not training). */
    public double analysisSeconds() { return seconds; }

    /** CSVs, heatmaps and the ablation plot into {@code dir}, marked where model 0 memorized and grokked. */
    public void write(Path dir, ModelCurves curves) throws IOException {
        List<Heatmap.Marker> markers = new ArrayList<>();
        if (curves.memorizedStep() != null) markers.add(new Heatmap.Marker(curves.memorizedStep(), "train ≥ 99%"));
        if (curves.grokkedStep() != null) markers.add(new Heatmap.Marker(curves.grokkedStep(), "test ≥ 99%"));
        sal.write(dir, markers);
    }

    private static Examples examples(Split s) { return new Examples(s.ids(), s.labels(), s.hostLabels()); }

    /** A fixed random subset of the training rows, in ascending order. */
    static int[] sample(int n, int k, long seed) {
        Random r = new Random(0x5A11L + seed);
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int i = 0; i < k; i++) {
            int j = i + r.nextInt(n - i);
            int t = perm[i]; perm[i] = perm[j]; perm[j] = t;
        }
        int[] out = java.util.Arrays.copyOf(perm, k);
        java.util.Arrays.sort(out);
        return out;
    }
}
