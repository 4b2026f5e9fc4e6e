package dev.groklab.nn;

import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/** {@link TransformerConfig} as an ensemble: every weight is [M, ...] and all M run in one pass. */
public final class Transformer implements Model {
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

    private Var linear(Var x, String w, String b) {
        Var y = Ops.matmul(x, p(w));
        return c.biases() && b != null ? Ops.add(y, p(b)) : y;
    }

    private Var norm(Var x, String prefix) {
        return c.layerNorm() ? Ops.layerNorm(x, p(prefix + ".w"), p(prefix + ".b"), 1e-5) : x;
    }

    private Var dropout(Var x, boolean training, long step, int site) {
        return training && c.dropout() > 0 ? Ops.dropout(x, c.dropout(), seed, site, step) : x;
    }

    @Override public Var logits(Tensor tokens, int batch, boolean training, long step) {
        int t = c.seqLen(), d = c.dModel(), m = models, h = c.heads(), dh = c.dHead();
        int rows = batch * t;
        // x: [M, B·T, D]
        Var x = Ops.embedding(p("embed.W_E"), tokens);
        x = Ops.reshape(Ops.add(Ops.reshape(x, m, batch, t, d), Ops.reshape(p("embed.W_pos"), m, 1, t, d)), m, rows, d);
        for (int l = 0; l < c.layers() - 1; l++) {
            String pre = "blocks." + l + ".";
            Var a = norm(x, pre + "ln1");
            Var q = heads(Ops.matmul(a, p(pre + "attn.W_Q")), m, batch, t, h, dh);
            Var k = heads(Ops.matmul(a, p(pre + "attn.W_K")), m, batch, t, h, dh);
            Var v = heads(Ops.matmul(a, p(pre + "attn.W_V")), m, batch, t, h, dh);
            Var z = Ops.attention(q, k, v, true);                                   // [M, B, H, T, dh]
            z = Ops.reshape(Ops.permute(z, 0, 1, 3, 2, 4), m, rows, h * dh);
            x = Ops.add(x, dropout(linear(z, pre + "attn.W_O", pre + "attn.b_O"), training, step, 2 * l));
            x = Ops.add(x, dropout(mlp(norm(x, pre + "ln2"), pre), training, step, 2 * l + 1));
        }
        Var last = lastBlock(x, batch, training, step);                            // [M, B, D]
        last = norm(last, "ln_final");
        return linear(last, "unembed.W_U", "unembed.b_U");
    }

    private Var mlp(Var x, String pre) {
        return linear(c.act().apply(linear(x, pre + "mlp.W_in", pre + "mlp.b_in")), pre + "mlp.W_out", pre + "mlp.b_out");
    }

    /**
     * The last block at the read-out position only: the logits read the last token, so the last
     * block's queries, attention output and MLP at every other position would feed nothing. Keys
     * and values still cover every position. Same function and gradients, about half the work.
     * Causal attention of the last query sees every key, so no mask is needed.
     */
    private Var lastBlock(Var x, int batch, boolean training, long step) {
        int t = c.seqLen(), d = c.dModel(), m = models, h = c.heads(), dh = c.dHead(), l = c.layers() - 1;
        String pre = "blocks." + l + ".";
        Var a = norm(x, pre + "ln1");                                                // [M, B·T, D]
        Var xl = lastPosition(x, batch), al = lastPosition(a, batch);                // [M, B, D]
        Var q = Ops.reshape(Ops.matmul(al, p(pre + "attn.W_Q")), m, batch, 1, h, dh);
        Var k = Ops.reshape(Ops.matmul(a, p(pre + "attn.W_K")), m, batch, t, h, dh);
        Var v = Ops.reshape(Ops.matmul(a, p(pre + "attn.W_V")), m, batch, t, h, dh);
        Var scores = Ops.mulScalar(Ops.sum(Ops.mul(q, k), false, 4), 1 / Math.sqrt(dh));   // [M, B, T, H]
        Var pattern = Ops.softmax(Ops.permute(scores, 0, 1, 3, 2));                          // [M, B, H, T]
        Var weights = Ops.reshape(Ops.permute(pattern, 0, 1, 3, 2), m, batch, t, h, 1);
        Var z = Ops.reshape(Ops.sum(Ops.mul(weights, v), false, 2), m, batch, h * dh);     // [M, B, H·dh]
        xl = Ops.add(xl, dropout(linear(z, pre + "attn.W_O", pre + "attn.b_O"), training, step, 2 * l));
        return Ops.add(xl, dropout(mlp(norm(xl, pre + "ln2"), pre), training, step, 2 * l + 1));
    }

    /** [M, B·T, D] → [M, B, D] at position T − 1. */
    private Var lastPosition(Var x, int batch) {
        int t = c.seqLen(), d = c.dModel();
        return Ops.reshape(Ops.slice(Ops.reshape(x, models, batch, t, d), 2, t - 1, t), models, batch, d);
    }

    /** [M, B·T, H·dh] → [M, B, H, T, dh] */
    private static Var heads(Var x, int m, int b, int t, int h, int dh) {
        return Ops.permute(Ops.reshape(x, m, b, t, h, dh), 0, 1, 3, 2, 4);
    }
}
