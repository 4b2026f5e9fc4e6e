package dev.groklab.nn;

/**
 * A decoder-only transformer: learned token and position embeddings, {@code layers} blocks of
 * causal multi-head attention and an MLP (residual), optional LayerNorm and biases, an untied
 * unembedding read out at the last position.
 */
public record TransformerConfig(int vocab, int seqLen, int classes, int layers, int dModel, int heads, int dMlp,
                                Activation act, boolean layerNorm, boolean biases, double dropout) {
    public TransformerConfig {
        if (layers < 1) throw new IllegalArgumentException("--layers must be >= 1, got " + layers);
        if (dModel < 1 || heads < 1 || dModel % heads != 0) {
            throw new IllegalArgumentException("--d-model must be a positive multiple of --heads, got d_model " + dModel + " and " + heads + " heads");
        }
        if (dMlp < 1) throw new IllegalArgumentException("--d-mlp must be >= 1, got " + dMlp);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("--dropout must be in [0, 1), got " + dropout);
    }

    public int dHead() { return dModel / heads; }
}
