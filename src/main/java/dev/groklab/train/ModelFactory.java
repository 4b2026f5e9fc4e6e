package dev.groklab.train;

import dev.groklab.backend.Backend;
import dev.groklab.nn.Activation;
import dev.groklab.nn.DenseMlp;
import dev.groklab.nn.Mlp;
import dev.groklab.nn.MlpConfig;
import dev.groklab.nn.Model;
import dev.groklab.nn.Transformer;
import dev.groklab.nn.TransformerConfig;

/** Builds the model a {@link TrainConfig} names. */
public final class ModelFactory {
    public static final String ALLOWED = "transformer, mlp, mlp-onehot";

    private ModelFactory() {}

    public static Model build(Backend be, TrainConfig c, int vocab, int seqLen, int classes) {
        Activation act = Activation.parse(c.act());
        return switch (c.model()) {
            case "transformer" -> new Transformer(be, new TransformerConfig(vocab, seqLen, classes, c.layers(), c.dModel(),
                    c.heads(), c.dMlp(), act, c.layerNorm(), c.biases(), c.dropout()), c.seeds());
            case "mlp" -> new Mlp(be, new MlpConfig(vocab, seqLen, classes, Math.max(1, c.embed()), c.hidden(), act, c.biases()), c.seeds());
            case "mlp-onehot" -> new Mlp(be, new MlpConfig(vocab, seqLen, classes, 0, c.hidden(), act, c.biases()), c.seeds());
            default -> throw new IllegalArgumentException("--model: unknown '" + c.model() + "' (allowed: " + ALLOWED + ")");
        };
    }

    /** A model on dense features (images): only the MLP takes them. */
    public static Model dense(Backend be, TrainConfig c, int inputs, int classes) {
        if (!c.model().equals("mlp")) {
            throw new IllegalArgumentException("--model: --task " + c.task() + " takes mlp (a dense-input MLP), got '" + c.model() + "'");
        }
        return new DenseMlp(be, inputs, classes, c.hidden(), Activation.parse(c.act()), c.biases(), c.seeds());
    }
}
