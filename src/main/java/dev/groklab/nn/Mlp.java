package dev.groklab.nn;

import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link MlpConfig} as an ensemble. Operand tokens are the first and the second-to-last
 * positions of each sequence ([x, y, =] or [x, op, y, =]).
 */
public final class Mlp implements NeuronAccess {
    private final MlpConfig c;
    private final int models;
    private final Params params = new Params();

    public Mlp(Backend be, MlpConfig c, long[] seeds) {
        this.c = c;
        this.models = seeds.length;
        int in;
        if (c.embed() > 0) {
            params.add("embed.W_E", Init.normal(be, seeds, "embed.W_E", 1, c.vocab(), c.embed()));
            in = 2 * c.embed();
        } else {
            in = 2 * c.vocab();
        }
        int prev = in;
        for (int l = 0; l <= c.hidden().length; l++) {
            int out = l < c.hidden().length ? c.hidden()[l] : c.classes();
            params.add("layers." + l + ".W", Init.normal(be, seeds, "layers." + l + ".W", 1 / Math.sqrt(c.embed() > 0 || l > 0 ? prev : 2), prev, out));
            if (c.biases()) params.add("layers." + l + ".b", Init.constant(be, models, 0, 1, out));
            prev = out;
        }
    }

    @Override public Params params() { return params; }

    @Override public int models() { return models; }

    @Override public List<String> layerPrefixes() {
        List<String> l = new ArrayList<>();
        if (c.embed() > 0) l.add("embed.");
        for (int i = 0; i <= c.hidden().length; i++) l.add("layers." + i + ".");
        return l;
    }

    /** Operand pairs: [x, y] per sequence (y offset by the vocabulary for the one-hot layout). */
    @Override public int[] inputIds(int[] sequences, int seqLen) {
        int batch = sequences.length / seqLen;
        int[] pair = new int[2 * batch];
        for (int b = 0; b < batch; b++) {
            pair[2 * b] = sequences[b * seqLen];
            pair[2 * b + 1] = sequences[b * seqLen + seqLen - 2] + (c.embed() > 0 ? 0 : c.vocab());
        }
        return pair;
    }

    @Override public Var logits(Tensor ids, int batch, boolean training, long step) {
        return layers(firstLayerInput(ids, batch, false), 0, c.hidden().length + 1, false);
    }

    @Override public int neuronLayers() { return c.hidden().length; }

    @Override public int neurons(int layer) { return c.hidden()[checkLayer(layer)]; }

    @Override public Cut cut(Tensor ids, int batch, int layer) {
        checkLayer(layer);
        Var h = layers(firstLayerInput(ids, batch, true), 0, layer + 1, true);
        return new Cut(h, 1, a -> layers(a, layer + 1, c.hidden().length + 1, true));
    }

    private int checkLayer(int layer) {
        if (layer < 0 || layer >= c.hidden().length) {
            throw new IllegalArgumentException("hidden layer " + layer + " out of range: the MLP has " + c.hidden().length);
        }
        return layer;
    }

    /**
     * Layers [from, to) applied to x, the input of layer {@code from}: hidden layers end in the
     * activation, layer {@code hidden.length} is the readout. Layer 0 of the one-hot layout
     * receives its pre-activation (the row lookup) instead of an input.
     */
    private Var layers(Var x, int from, int to, boolean frozen) {
        for (int l = from; l < to; l++) {
            boolean first = l == 0 && c.embed() == 0;
            Var y = first ? x : Ops.matmul(x, weight("layers." + l + ".W", frozen));
            if (c.biases()) y = Ops.add(y, weight("layers." + l + ".b", frozen));
            x = l < c.hidden().length ? c.act().apply(y) : y;
        }
        return x;
    }

    /** A parameter, or its value as a constant when the caller analyses rather than trains. */
    private Var weight(String name, boolean frozen) {
        Var p = params.get(name);
        return frozen ? Var.constant(p.value()) : p;
    }

    /** Embedded and concatenated operands [M, B, 2E], or the one-hot first layer's pre-activation [M, B, H]. */
    private Var firstLayerInput(Tensor idx, int batch, boolean frozen) {
        if (c.embed() > 0) {
            Var e = Ops.embedding(weight("embed.W_E", frozen), idx);           // [M, 2B, E]
            return Ops.reshape(e, models, batch, 2 * c.embed());
        }
        Var w = Ops.reshape(weight("layers.0.W", frozen), models, 2 * c.vocab(), c.hidden()[0]);
        Var rows = Ops.embedding(w, idx);                                    // [M, 2B, H]
        return Ops.sum(Ops.reshape(rows, models, batch, 2, c.hidden()[0]), false, 2);
    }
}
