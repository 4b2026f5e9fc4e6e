package dev.groklab.train;

import java.util.List;

/**
 * Every resolved option of a training run. Model m of the ensemble uses seeds[m], lr[m] and
 * weightDecay[m] (the grid of --seeds × --lr × --wd, flattened).
 */
public record TrainConfig(
        String task, int p, double trainFraction, long splitSeed, boolean opToken,
        String model, int layers, int dModel, int heads, int dMlp, String act, boolean layerNorm, boolean biases,
        double dropout, int embed, int[] hidden,
        String optimizer, float[] lr, float[] weightDecay, long[] seeds, float beta1, float beta2, float eps,
        float momentum, boolean nesterov, boolean coupledDecay, boolean decayToInit,
        String schedule, int warmup, double lrJumpFactor, int lrJumpStep,
        int steps, int batch, int evalEvery, int checkpointEvery, String backend, double initScale,
        Exploration explore, Omnigrok omnigrok) {

    public TrainConfig {
        // configs written before these options existed
        if (explore == null) explore = Exploration.NONE;
        if (omnigrok == null) omnigrok = Omnigrok.DEFAULT;
    }

    /** Without exploration or Omnigrok options. */
    public TrainConfig(String task, int p, double trainFraction, long splitSeed, boolean opToken,
                       String model, int layers, int dModel, int heads, int dMlp, String act, boolean layerNorm, boolean biases,
                       double dropout, int embed, int[] hidden,
                       String optimizer, float[] lr, float[] weightDecay, long[] seeds, float beta1, float beta2, float eps,
                       float momentum, boolean nesterov, boolean coupledDecay, boolean decayToInit,
                       String schedule, int warmup, double lrJumpFactor, int lrJumpStep,
                       int steps, int batch, int evalEvery, int checkpointEvery, String backend, double initScale) {
        this(task, p, trainFraction, splitSeed, opToken, model, layers, dModel, heads, dMlp, act, layerNorm, biases, dropout,
                embed, hidden, optimizer, lr, weightDecay, seeds, beta1, beta2, eps, momentum, nesterov, coupledDecay,
                decayToInit, schedule, warmup, lrJumpFactor, lrJumpStep, steps, batch, evalEvery, checkpointEvery, backend,
                initScale, Exploration.NONE, Omnigrok.DEFAULT);
    }

    /** Without an init scale (α = 1). */
    public TrainConfig(String task, int p, double trainFraction, long splitSeed, boolean opToken,
                       String model, int layers, int dModel, int heads, int dMlp, String act, boolean layerNorm, boolean biases,
                       double dropout, int embed, int[] hidden,
                       String optimizer, float[] lr, float[] weightDecay, long[] seeds, float beta1, float beta2, float eps,
                       float momentum, boolean nesterov, boolean coupledDecay, boolean decayToInit,
                       String schedule, int warmup, double lrJumpFactor, int lrJumpStep,
                       int steps, int batch, int evalEvery, int checkpointEvery, String backend) {
        this(task, p, trainFraction, splitSeed, opToken, model, layers, dModel, heads, dMlp, act, layerNorm, biases, dropout,
                embed, hidden, optimizer, lr, weightDecay, seeds, beta1, beta2, eps, momentum, nesterov, coupledDecay,
                decayToInit, schedule, warmup, lrJumpFactor, lrJumpStep, steps, batch, evalEvery, checkpointEvery, backend, 1.0);
    }

    public int models() { return seeds.length; }

    /** The same run with other exploration options. */
    public TrainConfig withExplore(Exploration e) {
        return new TrainConfig(task, p, trainFraction, splitSeed, opToken, model, layers, dModel, heads, dMlp, act, layerNorm,
                biases, dropout, embed, hidden, optimizer, lr, weightDecay, seeds, beta1, beta2, eps, momentum, nesterov,
                coupledDecay, decayToInit, schedule, warmup, lrJumpFactor, lrJumpStep, steps, batch, evalEvery,
                checkpointEvery, backend, initScale, e, omnigrok);
    }

    /** The same run with other Omnigrok options. */
    public TrainConfig withOmnigrok(Omnigrok o) {
        return new TrainConfig(task, p, trainFraction, splitSeed, opToken, model, layers, dModel, heads, dMlp, act, layerNorm,
                biases, dropout, embed, hidden, optimizer, lr, weightDecay, seeds, beta1, beta2, eps, momentum, nesterov,
                coupledDecay, decayToInit, schedule, warmup, lrJumpFactor, lrJumpStep, steps, batch, evalEvery,
                checkpointEvery, backend, initScale, explore, o);
    }

    public boolean fullBatch() { return batch <= 0; }

    /** The grid of per-model hyper-parameters: seeds vary fastest. */
    public static TrainConfig grid(TrainConfig base, List<Long> seeds, List<Float> lrs, List<Float> wds) {
        int n = seeds.size() * lrs.size() * wds.size();
        long[] s = new long[n];
        float[] l = new float[n], w = new float[n];
        int i = 0;
        for (float wd : wds) for (float lr : lrs) for (long seed : seeds) { s[i] = seed; l[i] = lr; w[i] = wd; i++; }
        return new TrainConfig(base.task, base.p, base.trainFraction, base.splitSeed, base.opToken, base.model, base.layers,
                base.dModel, base.heads, base.dMlp, base.act, base.layerNorm, base.biases, base.dropout, base.embed, base.hidden,
                base.optimizer, l, w, s, base.beta1, base.beta2, base.eps, base.momentum, base.nesterov, base.coupledDecay,
                base.decayToInit, base.schedule, base.warmup, base.lrJumpFactor, base.lrJumpStep, base.steps, base.batch,
                base.evalEvery, base.checkpointEvery, base.backend, base.initScale, base.explore, base.omnigrok);
    }
}
