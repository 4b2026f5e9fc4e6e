package dev.groklab.nn;

import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** {@link TransformerConfig} as an ensemble: every weight is [M, ...] and all M run in one pass. */
public final class Transformer implements NeuronAccess {
    private final TransformerConfig c;
    private final int models;
    private final Params params = new Params();
    private final int seed;

    public Transformer(Backend be, TransformerConfig c, long[] seeds) {
        this.c = c;
        this.models = seeds.length;
        this.seed = (int) seeds[0];
        int d = c.dModel(), hd = c.heads() * c.dHead();
        double s = 1 / Math.sqrt(d);
        params.add("embed.W_E", Init.normal(be, seeds, "embed.W_E", s, c.vocab(), d));
        params.add("embed.W_pos", Init.normal(be, seeds, "embed.W_pos", s, c.seqLen(), d));
        for (int l = 0; l < c.layers(); l++) {
            String p = "blocks." + l + ".";
            if (c.layerNorm()) {
                params.add(p + "ln1.w", Init.constant(be, models, 1, d));
                params.add(p + "ln1.b", Init.constant(be, models, 0, d));
                params.add(p + "ln2.w", Init.constant(be, models, 1, d));
                params.add(p + "ln2.b", Init.constant(be, models, 0, d));
            }
            for (String w : new String[]{"W_Q", "W_K", "W_V"}) params.add(p + "attn." + w, Init.normal(be, seeds, p + "attn." + w, s, d, hd));
            params.add(p + "attn.W_O", Init.normal(be, seeds, p + "attn.W_O", 1 / Math.sqrt(hd), hd, d));
            params.add(p + "mlp.W_in", Init.normal(be, seeds, p + "mlp.W_in", s, d, c.dMlp()));
            params.add(p + "mlp.W_out", Init.normal(be, seeds, p + "mlp.W_out", 1 / Math.sqrt(c.dMlp()), c.dMlp(), d));
            if (c.biases()) {
                params.add(p + "attn.b_O", Init.constant(be, models, 0, 1, d));
                params.add(p + "mlp.b_in", Init.constant(be, models, 0, 1, c.dMlp()));
                params.add(p + "mlp.b_out", Init.constant(be, models, 0, 1, d));
            }
        }
        if (c.layerNorm()) {
            params.add("ln_final.w", Init.constant(be, models, 1, d));
            params.add("ln_final.b", Init.constant(be, models, 0, d));
        }
        params.add("unembed.W_U", Init.normal(be, seeds, "unembed.W_U", 1 / Math.sqrt(c.classes()), d, c.classes()));
        if (c.biases()) params.add("unembed.b_U", Init.constant(be, models, 0, 1, c.classes()));
    }

    public TransformerConfig config() { return c; }

    @Override public Params params() { return params; }

    @Override public int models() { return models; }

    @Override public List<String> layerPrefixes() {
        List<String> l = new ArrayList<>();
        l.add("embed.");
        for (int i = 0; i < c.layers(); i++) l.add("blocks." + i + ".");
        l.add("unembed.");
        return l;
    }

    private Var p(String name) { return params.get(name); }

    /** Parameter values as constants: for cuts, which analyse and never train. */
    private Var frozen(String name) { return Var.constant(params.get(name).value()); }

    private Var linear(Var x, Function<String, Var> w, String weight, String bias) {
        Var y = Ops.matmul(x, w.apply(weight));
        return c.biases() && bias != null ? Ops.add(y, w.apply(bias)) : y;
    }

    private Var norm(Var x, Function<String, Var> w, String prefix) {
        return c.layerNorm() ? Ops.layerNorm(x, w.apply(prefix + ".w"), w.apply(prefix + ".b"), 1e-5) : x;
    }

    private Var dropout(Var x, boolean training, long step, int site) {
        return training && c.dropout() > 0 ? Ops.dropout(x, c.dropout(), seed, site, step) : x;
    }

    @Override public Var logits(Tensor tokens, int batch, boolean training, long step) {
        Var x = embed(tokens, batch, this::p);
        for (int l = 0; l < c.layers() - 1; l++) {
            x = attend(x, batch, l, training, step, this::p);
            x = Ops.add(x, dropout(mlpOut(mlpHidden(x, l, this::p), l, this::p), training, step, 2 * l + 1));
        }
        return unembed(lastBlock(x, batch, training, step, this::p), this::p);
    }

    /**
     * The last block at the read-out position only: the logits read the last token, so the last
     * block's queries, attention output and MLP at every other position would feed nothing. Keys
     * and values still cover every position. Same function and gradients, about half the work.
     * Causal attention of the last query sees every key, so no mask is needed. Returns [M, B, D].
     */
    private Var lastBlock(Var x, int batch, boolean training, long step, Function<String, Var> w) {
        int t = c.seqLen(), m = models, h = c.heads(), dh = c.dHead(), l = c.layers() - 1;
        String pre = "blocks." + l + ".";
        Var a = norm(x, w, pre + "ln1");                                              // [M, B·T, D]
        Var xl = lastPosition(x, batch), al = lastPosition(a, batch);                 // [M, B, D]
        Var q = Ops.reshape(Ops.matmul(al, w.apply(pre + "attn.W_Q")), m, batch, h, dh);
        Var k = Ops.reshape(Ops.matmul(a, w.apply(pre + "attn.W_K")), m, batch, t, h, dh);
        Var v = Ops.reshape(Ops.matmul(a, w.apply(pre + "attn.W_V")), m, batch, t, h, dh);
        Var z = Ops.reshape(Ops.lastQueryAttention(q, k, v), m, batch, h * dh);            // [M, B, H·dh]
        xl = Ops.add(xl, dropout(linear(z, w, pre + "attn.W_O", pre + "attn.b_O"), training, step, 2 * l));
        return Ops.add(xl, dropout(mlpOut(mlpHidden(xl, l, w), l, w), training, step, 2 * l + 1));
    }

    @Override public int neuronLayers() { return c.layers(); }

    @Override public int neurons(int layer) { checkLayer(layer); return c.dMlp(); }

    /** Cut at block {@code layer}'s MLP activation [M, B·T, d_mlp]: every position's neurons. */
    @Override public Cut cut(Tensor tokens, int batch, int layer) {
        checkLayer(layer);
        Function<String, Var> w = this::frozen;
        Var x = embed(tokens, batch, w);
        for (int l = 0; l < layer; l++) {
            x = attend(x, batch, l, false, 0, w);
            x = Ops.add(x, mlpOut(mlpHidden(x, l, w), l, w));
        }
        Var mid = attend(x, batch, layer, false, 0, w);
        return new Cut(mlpHidden(mid, layer, w), c.seqLen(), a -> {
            Var y = Ops.add(mid, mlpOut(a, layer, w));
            for (int l = layer + 1; l < c.layers(); l++) {
                y = attend(y, batch, l, false, 0, w);
                y = Ops.add(y, mlpOut(mlpHidden(y, l, w), l, w));
            }
            return readout(y, batch, w);
        });
    }

    private void checkLayer(int layer) {
        if (layer < 0 || layer >= c.layers()) {
            throw new IllegalArgumentException("block " + layer + " out of range: the transformer has " + c.layers());
        }
    }

    /** Token plus position embeddings: the residual stream [M, B·T, D]. */
    private Var embed(Tensor tokens, int batch, Function<String, Var> w) {
        int t = c.seqLen(), d = c.dModel(), m = models;
        Var x = Ops.embedding(w.apply("embed.W_E"), tokens);
        return Ops.reshape(Ops.add(Ops.reshape(x, m, batch, t, d), Ops.reshape(w.apply("embed.W_pos"), m, 1, t, d)), m, batch * t, d);
    }

    /** The residual stream after block l's attention. */
    private Var attend(Var x, int batch, int l, boolean training, long step, Function<String, Var> w) {
        int t = c.seqLen(), m = models, h = c.heads(), dh = c.dHead();
        String pre = "blocks." + l + ".";
        Var a = norm(x, w, pre + "ln1");
        Var q = heads(Ops.matmul(a, w.apply(pre + "attn.W_Q")), m, batch, t, h, dh);
        Var k = heads(Ops.matmul(a, w.apply(pre + "attn.W_K")), m, batch, t, h, dh);
        Var v = heads(Ops.matmul(a, w.apply(pre + "attn.W_V")), m, batch, t, h, dh);
        Var z = Ops.attention(q, k, v, true);                                   // [M, B, H, T, dh]
        z = Ops.reshape(Ops.permute(z, 0, 1, 3, 2, 4), m, batch * t, h * dh);
        return Ops.add(x, dropout(linear(z, w, pre + "attn.W_O", pre + "attn.b_O"), training, step, 2 * l));
    }

    /** Block l's MLP neurons: act(LN(x) · W_in + b_in), [M, B·T, d_mlp]. */
    private Var mlpHidden(Var x, int l, Function<String, Var> w) {
        String pre = "blocks." + l + ".";
        return c.act().apply(linear(norm(x, w, pre + "ln2"), w, pre + "mlp.W_in", pre + "mlp.b_in"));
    }

    private Var mlpOut(Var f, int l, Function<String, Var> w) {
        String pre = "blocks." + l + ".";
        return linear(f, w, pre + "mlp.W_out", pre + "mlp.b_out");
    }

    /** Logits [M, B, classes] read at the last position. */
    private Var readout(Var x, int batch, Function<String, Var> w) {
        return unembed(lastPosition(x, batch), w);
    }

    /** [M, B·T, D] → [M, B, D] at position T − 1: a strided view, every T-th row. */
    private Var lastPosition(Var x, int batch) {
        int t = c.seqLen(), d = c.dModel();
        return Ops.view(x, new int[]{models, batch, d}, new int[]{batch * t * d, t * d, 1}, (long) (t - 1) * d);
    }

    /** Final norm and unembedding of the read-out position [M, B, D]. */
    private Var unembed(Var last, Function<String, Var> w) {
        return linear(norm(last, w, "ln_final"), w, "unembed.W_U", "unembed.b_U");
    }

    /** [M, B·T, H·dh] → [M, B, H, T, dh] */
    private static Var heads(Var x, int m, int b, int t, int h, int dh) {
        return Ops.permute(Ops.reshape(x, m, b, t, h, dh), 0, 1, 3, 2, 4);
    }
}
