package dev.groklab.cli;

import dev.groklab.data.Task;
import dev.groklab.train.Exploration;
import dev.groklab.train.Loss;
import dev.groklab.train.Omnigrok;
import dev.groklab.train.TrainConfig;
import dev.groklab.train.TrainData;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The options of a training run. Unset options take the preset's value, then the default, so
 * `--preset nanda --wd 0` changes only the weight decay.
 */
final class TrainOptions {
    @Option(names = "--preset", description = "Start from a named configuration: ${COMPLETION-CANDIDATES}.")
    Preset preset;

    @Option(names = "--task", description = "Operation: add, sub, div, mul, x2+y2, x2+xy+y2, x2+xy+y2+x, x3+xy, x3+xy2+y, div-or-sub, s5, s5-conj, s5-xyx; or mnist: image classification from --data-dir (default add).")
    String task;
    @Option(names = "--data-dir", description = "MNIST-format IDX files for --task mnist (default /usr/share/datasets/fashion-mnist, from the Debian package dataset-fashion-mnist).") String dataDir;
    @Option(names = "--train-count", description = "Training images for --task mnist, a seeded subset (default 1000).") Integer trainCount;
    @Option(names = "--p", description = "Modulus (prime for division tasks; default 97).") Integer p;
    @Option(names = "--frac", description = "Fraction of the table used for training, in (0, 1) (default 0.3).") Double frac;
    @Option(names = "--split-seed", description = "Seed of the train/test split and minibatch order (default 0).") Long splitSeed;
    @Option(names = "--op-token", arity = "0..1", description = "Inputs [x, op, y, =] instead of [x, y, =].") Boolean opToken;

    @Option(names = "--model", description = "transformer, mlp (learned embeddings; dense input for mnist), mlp-onehot (default transformer; mlp for mnist).") String model;
    @Option(names = "--layers", description = "Transformer blocks (default 1).") Integer layers;
    @Option(names = "--d-model", description = "Residual width (default 128).") Integer dModel;
    @Option(names = "--heads", description = "Attention heads (default 4).") Integer heads;
    @Option(names = "--d-mlp", description = "Transformer MLP width (default 4·d_model).") Integer dMlp;
    @Option(names = "--act", description = "relu or gelu (default relu).") String act;
    @Option(names = "--layer-norm", arity = "0..1", description = "LayerNorm before attention, MLP and readout (default off).") Boolean layerNorm;
    @Option(names = "--biases", arity = "0..1", description = "Bias vectors in linear layers (default off; on for mnist, as PyTorch's nn.Linear).") Boolean biases;
    @Option(names = "--dropout", description = "Dropout after attention and MLP outputs (default 0).") Double dropout;
    @Option(names = "--init-scale", description = "Multiply every parameter by this factor after initialization (Omnigrok's alpha; default 1).") Double initScale;
    @Option(names = "--embed", description = "MLP token embedding width (default 12 for mlp).") Integer embed;
    @Option(names = "--hidden", split = ",", description = "MLP hidden widths, e.g. 200,200 (default 48).") int[] hidden;

    @Option(names = "--loss", description = "ce (cross-entropy) or mse (mean squared error against one-hot targets) (default ce).") String loss;
    @Option(names = "--constrain-norm", arity = "0..1", description = "After every step rescale each model's weights to their total L2 norm at initialization (after --init-scale).") Boolean constrainNorm;

    @Option(names = "--optimizer", description = "adamw (decoupled decay), adam (L2 decay in the gradient), sgd, hmc (Hamiltonian Monte Carlo on the full-batch loss) (default adamw).") String optimizer;
    @Option(names = "--lr", split = ",", description = "Learning rate(s); a list trains one model per value (default 1e-3).") List<Float> lr;
    @Option(names = "--wd", split = ",", description = "Weight decay(s); a list trains one model per value (default 1).") List<Float> wd;
    @Option(names = "--beta1", description = "Adam beta1 (default 0.9).") Float beta1;
    @Option(names = "--beta2", description = "Adam beta2 (default 0.98).") Float beta2;
    @Option(names = "--eps", description = "Adam epsilon (default 1e-8).") Float eps;
    @Option(names = "--momentum", description = "SGD momentum (default 0).") Float momentum;
    @Option(names = "--nesterov", arity = "0..1", description = "Nesterov momentum for sgd.") Boolean nesterov;
    @Option(names = "--coupled-wd", arity = "0..1", description = "Add weight decay to the gradient (L2) instead of decoupling it.") Boolean coupledWd;
    @Option(names = "--wd-to-init", arity = "0..1", description = "Decay toward the initial weights instead of zero.") Boolean wdToInit;
    @Option(names = "--schedule", description = "constant or cosine, after warmup (default constant).") String schedule;
    @Option(names = "--warmup", description = "Linear warmup steps (default 10).") Integer warmup;
    @Option(names = "--lr-jump", description = "FACTOR@STEP: multiply the learning rate by FACTOR after STEP (e.g. 10@1000).") String lrJump;

    @Option(names = "--steps", description = "Optimizer steps (default 10000).") Integer steps;
    @Option(names = "--batch", description = "Minibatch size; 0 = full batch (default 0).") Integer batch;
    @Option(names = "--seed", description = "Init seed of the first model (default 0).") Long seed;
    @Option(names = "--seeds", description = "Models with init seeds seed..seed+N-1, trained together (default 1).") Integer seeds;
    @Option(names = "--eval-every", description = "Steps between evaluations (default 100).") Integer evalEvery;
    @Option(names = "--checkpoint-every", description = "Steps between checkpoints; 0 = only at the end (default 1000).") Integer checkpointEvery;
    @Option(names = "--backend", description = "auto, cpu, opencl[:P:D], cuda (default auto).") String backend;

    @Option(names = "--init-from", paramLabel = "RUN_DIR[@STEP]", description = "Start from the weights of that run's latest checkpoint (or of step STEP); optimizer state and step count start fresh. A one-model checkpoint fills every model.") String initFrom;
    @Option(names = "--weight-noise", paramLabel = "SIGMA", description = "Add Gaussian noise of this std to every weight after each step (default 0).") Double weightNoise;
    @Option(names = "--grad-noise", paramLabel = "SIGMA", description = "Add Gaussian noise of this std to every gradient before each step (default 0).") Double gradNoise;
    @Option(names = "--antireg", paramLabel = "LAMBDA", description = "Add -LAMBDA*||w - w_start||^2 to the loss: reward distance from the starting weights (default 0).") Double antireg;
    @Option(names = "--norm-target", paramLabel = "R", description = "Add LAMBDA*(||w|| - R)^2 to the loss, LAMBDA from --norm-strength (default off).") Double normTarget;
    @Option(names = "--norm-strength", paramLabel = "LAMBDA", description = "Strength of the --norm-target pull.") Double normStrength;
    @Option(names = "--hmc-leapfrog", paramLabel = "L", description = "Leapfrog steps per HMC trajectory (default 10).") Integer hmcLeapfrog;
    @Option(names = "--hmc-step", paramLabel = "EPS", description = "Leapfrog step size (default: the learning rate).") Double hmcStep;
    @Option(names = "--hmc-temperature", paramLabel = "T", description = "HMC temperature (default: by equipartition, T = 2*N_train*L0/params, L0 the starting training loss).") Double hmcTemperature;

    enum Preset { nanda, power, grok, omnigrok }

    private static <T> T pick(T explicit, T preset, T fallback) {
        return explicit != null ? explicit : preset != null ? preset : fallback;
    }

    /** Resolves options against the preset and the defaults; validates what is cheap to check. */
    TrainConfig resolve(Preset fallbackPreset) {
        Preset pr = preset != null ? preset : fallbackPreset;
        TrainOptions d = pr == null ? new TrainOptions() : presetValues(pr);
        String taskName = pick(task, d.task, "add");
        boolean images = TrainData.isImageTask(taskName);
        if (!images) Task.parse(taskName);
        String lossName = pick(loss, d.loss, "ce");
        Loss.parse(lossName);
        int tc = pick(trainCount, d.trainCount, Omnigrok.DEFAULT.trainCount());
        if (tc < 1) throw new IllegalArgumentException("--train-count must be >= 1, got " + tc);
        Omnigrok og = new Omnigrok(pick(constrainNorm, d.constrainNorm, false), lossName,
                pick(dataDir, d.dataDir, Omnigrok.DEFAULT.dataDir()), tc);
        int pp = pick(p, d.p, 97);
        double fr = pick(frac, d.frac, 0.3);
        if (!(fr > 0 && fr < 1)) throw new IllegalArgumentException("--frac must be in (0, 1), got " + fr);
        int dm = pick(dModel, d.dModel, 128);
        long s0 = pick(seed, d.seed, 0L);
        int ns = pick(seeds, d.seeds, 1);
        if (ns < 1) throw new IllegalArgumentException("--seeds must be >= 1, got " + ns);
        List<Long> seedList = new ArrayList<>();
        for (int i = 0; i < ns; i++) seedList.add(s0 + i);
        List<Float> lrs = pick(lr, d.lr, List.of(1e-3f)), wds = pick(wd, d.wd, List.of(1f));
        for (float v : lrs) if (!(v > 0)) throw new IllegalArgumentException("--lr values must be > 0, got " + v);
        for (float v : wds) if (!(v >= 0)) throw new IllegalArgumentException("--wd values must be >= 0, got " + v);
        double jumpF = 1;
        int jumpS = 0;
        String jump = pick(lrJump, d.lrJump, null);
        if (jump != null) {
            String[] parts = jump.split("@");
            try {
                jumpF = Double.parseDouble(parts[0]);
                jumpS = Integer.parseInt(parts[1]);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--lr-jump: want FACTOR@STEP such as 10@1000, got '" + jump + "'");
            }
        }
        String opt = pick(optimizer, d.optimizer, "adamw");
        int st = pick(steps, d.steps, 10000);
        int bt = pick(batch, d.batch, 0);
        if (pr == Preset.power && batch == null && !images) {
            bt = powerBatch((int) Math.round(fr * Task.parse(taskName).rowCount(pp)));
        }
        if (bt < 0) throw new IllegalArgumentException("--batch must be >= 0 (0 = full batch), got " + bt);
        TrainConfig base = new TrainConfig(taskName, pp, fr, pick(splitSeed, d.splitSeed, 0L), pick(opToken, d.opToken, false),
                pick(model, d.model, images ? "mlp" : "transformer"), pick(layers, d.layers, 1), dm, pick(heads, d.heads, 4),
                pick(dMlp, d.dMlp, 4 * dm), pick(act, d.act, "relu"), pick(layerNorm, d.layerNorm, false),
                pick(biases, d.biases, images), pick(dropout, d.dropout, 0.0), pick(embed, d.embed, 12),
                pick(hidden, d.hidden, new int[]{48}), opt, null, null, null,
                pick(beta1, d.beta1, 0.9f), pick(beta2, d.beta2, 0.98f), pick(eps, d.eps, 1e-8f),
                pick(momentum, d.momentum, 0f), pick(nesterov, d.nesterov, false), pick(coupledWd, d.coupledWd, false),
                pick(wdToInit, d.wdToInit, false), pick(schedule, d.schedule, "constant"), pick(warmup, d.warmup, 10),
                jumpF, jumpS, st, bt, pick(evalEvery, d.evalEvery, 100), pick(checkpointEvery, d.checkpointEvery, 1000),
                pick(backend, d.backend, "auto"), pick(initScale, d.initScale, 1.0), Exploration.NONE, og);
        return TrainConfig.grid(base, seedList, lrs, wds).withExplore(exploration(d));
    }

    private Exploration exploration(TrainOptions d) {
        return new Exploration(pick(initFrom, d.initFrom, null), pick(weightNoise, d.weightNoise, 0.0),
                pick(gradNoise, d.gradNoise, 0.0), pick(antireg, d.antireg, 0.0), pick(normTarget, d.normTarget, 0.0),
                pick(normStrength, d.normStrength, 0.0), pick(hmcLeapfrog, d.hmcLeapfrog, Exploration.DEFAULT_LEAPFROG),
                pick(hmcStep, d.hmcStep, 0.0), pick(hmcTemperature, d.hmcTemperature, 0.0));
    }

    /** The values each preset sets (everything else falls through to the defaults). */
    static TrainOptions presetValues(Preset pr) {
        TrainOptions o = new TrainOptions();
        switch (pr) {
            case nanda -> {
                // Nanda et al.: 1-layer ReLU transformer, x+y mod 113, 30% data, full-batch AdamW wd 1.
                o.task = "add"; o.p = 113; o.frac = 0.3; o.model = "transformer"; o.layers = 1; o.dModel = 128; o.heads = 4;
                o.dMlp = 512; o.act = "relu"; o.layerNorm = false; o.optimizer = "adamw"; o.lr = List.of(1e-3f);
                o.wd = List.of(1f); o.beta1 = 0.9f; o.beta2 = 0.98f; o.warmup = 10; o.batch = 0; o.steps = 25000;
                o.evalEvery = 100; o.checkpointEvery = 1000;
            }
            case power -> {
                // Power et al.: 2-layer transformer, p 97, [x, op, y, =], minibatch min(512, N/2).
                o.task = "div"; o.p = 97; o.frac = 0.5; o.model = "transformer"; o.layers = 2; o.dModel = 128; o.heads = 4;
                o.dMlp = 512; o.opToken = true; o.optimizer = "adamw"; o.lr = List.of(1e-3f); o.wd = List.of(1f);
                o.beta1 = 0.9f; o.beta2 = 0.98f; o.warmup = 10; o.batch = 512; o.steps = 100000; o.evalEvery = 500;
            }
            case grok -> {
                // Sized to memorize by step ~200, then grok near step 1,100, in about a minute on two CPU cores.
                o.task = "add"; o.p = 59; o.frac = 0.4; o.model = "mlp"; o.embed = 32; o.hidden = new int[]{256};
                o.act = "relu"; o.optimizer = "adamw"; o.lr = List.of(5e-3f); o.wd = List.of(3f);
                o.beta1 = 0.9f; o.beta2 = 0.98f; o.warmup = 10; o.batch = 0; o.steps = 2000; o.evalEvery = 50;
                o.checkpointEvery = 500;
            }
            case omnigrok -> {
                // Omnigrok's MNIST grokking: 1,000 images, depth-3 width-200 ReLU MLP (PyTorch init) ×8,
                // MSE on one-hot targets, AdamW lr 1e-3 (PyTorch's default betas) wd 0.01, batch 200.
                o.task = TrainData.IMAGES; o.trainCount = 1000; o.model = "mlp"; o.hidden = new int[]{200, 200};
                o.act = "relu"; o.biases = true; o.loss = "mse"; o.initScale = 8.0; o.optimizer = "adamw";
                o.lr = List.of(1e-3f); o.wd = List.of(0.01f); o.beta1 = 0.9f; o.beta2 = 0.999f; o.eps = 1e-8f;
                o.warmup = 0; o.batch = 200; o.steps = 100000; o.evalEvery = 500; o.checkpointEvery = 10000;
            }
        }
        return o;
    }

    /** Whether a batch of min(512, N/2) should replace the preset's 512 (Power et al.'s rule). */
    static int powerBatch(int trainCount) { return Math.min(512, trainCount / 2); }

    @Override public String toString() { return Arrays.toString(new Object[]{preset, task, p}); }
}
