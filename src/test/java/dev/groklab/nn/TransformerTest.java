package dev.groklab.nn;

import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The transformer computes its last block at the read-out position only; this checks that
 * against the whole-sequence computation (every block at every position, fused causal
 * attention), value and gradients, on random odd sizes with LayerNorm, biases and two layers.
 */
class TransformerTest {
    private final Backend be = Backends.cpu();

    @Test void lastBlockAtTheReadOutEqualsTheWholeSequence() {
        Random r = Check.rng();
        for (int trial = 0; trial < 3; trial++) {
            try (Scope s = Scope.open()) {
                int heads = 1 + r.nextInt(3), dh = Check.odd(r, 3, 9), t = 2 + r.nextInt(3), batch = Check.odd(r, 5, 21);
                int layers = 1 + r.nextInt(2), vocab = Check.odd(r, 7, 15), classes = Check.odd(r, 3, 9);
                boolean ln = r.nextBoolean(), biases = r.nextBoolean();
                TransformerConfig c = new TransformerConfig(vocab, t, classes, layers, heads * dh, heads, Check.odd(r, 9, 31),
                        Activation.RELU, ln, biases, 0.0);
                Transformer model = new Transformer(be, c, new long[]{r.nextLong(), r.nextLong()});
                // Layer-norm gains and biases start at 1 and 0: perturb them so they are tested.
                for (String n : model.params().names()) {
                    if (!n.contains("ln") && !n.contains(".b")) continue;
                    Tensor v = model.params().get(n).value();
                    for (int i = 0; i < v.numel(); i++) v.setDouble(i, v.getDouble(i) + 0.3 * r.nextGaussian());
                }
                int[] ids = new int[batch * t];
                for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(vocab);
                Tensor tokens = be.fromHost(ids, ids.length);
                Tensor w = Check.randn(be, r, 2, batch, classes);

                Var fast = model.logits(tokens, batch, false, 0);
                Ops.sumAll(Ops.mul(fast, Var.constant(w))).backward();
                Map<String, Tensor> fastGrads = grads(model);
                model.params().zeroGrads();
                Var full = wholeSequence(model, c, tokens, batch);
                Ops.sumAll(Ops.mul(full, Var.constant(w))).backward();

                Check.close("logits", full.value(), fast.value(), 2e-5);
                for (String n : model.params().names()) {
                    Check.close("gradient of " + n, model.params().get(n).grad(), fastGrads.get(n), 5e-5);
                }
                model.params().zeroGrads();
            }
        }
    }

    private Map<String, Tensor> grads(Transformer model) {
        Map<String, Tensor> g = new LinkedHashMap<>();
        for (String n : model.params().names()) g.put(n, Check.copyOf(be, model.params().get(n).grad()));
        return g;
    }

    /** Every block at every position, then the last position read out: the textbook forward pass. */
    private static Var wholeSequence(Transformer model, TransformerConfig c, Tensor tokens, int batch) {
        Params p = model.params();
        int t = c.seqLen(), d = c.dModel(), m = model.models(), h = c.heads(), dh = c.dHead(), rows = batch * t;
        Var x = Ops.embedding(p.get("embed.W_E"), tokens);
        x = Ops.reshape(Ops.add(Ops.reshape(x, m, batch, t, d), Ops.reshape(p.get("embed.W_pos"), m, 1, t, d)), m, rows, d);
        for (int l = 0; l < c.layers(); l++) {
            String pre = "blocks." + l + ".";
            Var a = norm(p, c, x, pre + "ln1");
            Var q = heads(Ops.matmul(a, p.get(pre + "attn.W_Q")), m, batch, t, h, dh);
            Var k = heads(Ops.matmul(a, p.get(pre + "attn.W_K")), m, batch, t, h, dh);
            Var v = heads(Ops.matmul(a, p.get(pre + "attn.W_V")), m, batch, t, h, dh);
            Var z = Ops.reshape(Ops.permute(Ops.attention(q, k, v, true), 0, 1, 3, 2, 4), m, rows, h * dh);
            x = Ops.add(x, linear(p, c, z, pre + "attn.W_O", pre + "attn.b_O"));
            Var f = Ops.relu(linear(p, c, norm(p, c, x, pre + "ln2"), pre + "mlp.W_in", pre + "mlp.b_in"));
            x = Ops.add(x, linear(p, c, f, pre + "mlp.W_out", pre + "mlp.b_out"));
        }
        Var last = Ops.reshape(Ops.slice(Ops.reshape(x, m, batch, t, d), 2, t - 1, t), m, batch, d);
        return linear(p, c, norm(p, c, last, "ln_final"), "unembed.W_U", "unembed.b_U");
    }

    private static Var heads(Var x, int m, int b, int t, int h, int dh) {
        return Ops.permute(Ops.reshape(x, m, b, t, h, dh), 0, 1, 3, 2, 4);
    }

    private static Var linear(Params p, TransformerConfig c, Var x, String w, String b) {
        Var y = Ops.matmul(x, p.get(w));
        return c.biases() ? Ops.add(y, p.get(b)) : y;
    }

    private static Var norm(Params p, TransformerConfig c, Var x, String prefix) {
        return c.layerNorm() ? Ops.layerNorm(x, p.get(prefix + ".w"), p.get(prefix + ".b"), 1e-5) : x;
    }
}
