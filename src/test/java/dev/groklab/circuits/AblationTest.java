package dev.groklab.circuits;

import dev.groklab.autodiff.Grad;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.nn.Activation;
import dev.groklab.nn.Mlp;
import dev.groklab.nn.NeuronAccess;
import dev.groklab.nn.Transformer;
import dev.groklab.nn.TransformerConfig;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AblationTest {
    private final Backend be = Backends.cpu();
    private final Random r = Check.rng();
    private Scope scope;
    private Grad.AutoCloseable0 noGrad;

    @BeforeEach void open() { scope = Scope.open(); noGrad = Grad.off(); }

    @AfterEach void close() { noGrad.close(); scope.close(); }

    @Test void cutsReproduceTheModelsLogits() {
        Mlp mlp = CircuitFixtures.mlp(be, 8, new int[]{16, 12}, true, 3, 4);
        Examples ex = CircuitFixtures.examples(be, mlp, 9, r);
        Tensor full = mlp.logits(ex.ids(), ex.count(), false, 0).value();
        for (int layer = 0; layer < 2; layer++) {
            NeuronAccess.Cut cut = mlp.cut(ex.ids(), ex.count(), layer);
            Check.close("mlp cut at " + layer, full, cut.logits(cut.activation()).value(), 0);
        }
        Mlp oneHot = CircuitFixtures.mlp(be, 0, new int[]{16}, true, 3);
        Examples ex1 = CircuitFixtures.examples(be, oneHot, 9, r);
        NeuronAccess.Cut c1 = oneHot.cut(ex1.ids(), ex1.count(), 0);
        Check.close("one-hot mlp cut", oneHot.logits(ex1.ids(), ex1.count(), false, 0).value(), c1.logits(c1.activation()).value(), 0);

        Transformer tf = new Transformer(be, new TransformerConfig(CircuitFixtures.VOCAB, 3, CircuitFixtures.CLASSES, 2, 16, 2, 24,
                Activation.RELU, true, true, 0.1), new long[]{7, 8});
        int[] seq = new int[3 * 5];
        for (int i = 0; i < seq.length; i++) seq[i] = r.nextInt(CircuitFixtures.VOCAB);
        Tensor ids = be.fromHost(seq, seq.length);
        Tensor tfull = tf.logits(ids, 5, false, 0).value();
        for (int layer = 0; layer < 2; layer++) {
            NeuronAccess.Cut cut = tf.cut(ids, 5, layer);
            assertArrayEquals(new int[]{2, 15, 24}, cut.activation().shape());
            Check.close("transformer cut at " + layer, tfull, cut.logits(cut.activation()).value(), 1e-6);
        }
    }

    @Test void zeroingNeuronJChangesOnlyItsActivationAndTheLogitsByItsOutgoingWeights() {
        int hn = 16, c = CircuitFixtures.CLASSES, m = 2;
        Mlp model = CircuitFixtures.mlp(be, 8, new int[]{hn}, true, 11, 12);
        Examples ex = CircuitFixtures.examples(be, model, 21, r);
        NeuronAccess.Cut cut = model.cut(ex.ids(), ex.count(), 0);
        Tensor h = cut.activation().value();
        // A neuron that fires somewhere in each model, so the test is not vacuous; model 1 ablates another one.
        int[] j = {firing(h, 0, ex.count(), hn), firing(h, 1, ex.count(), hn)};
        int[][] ablated = {{j[0]}, {j[1]}};
        Tensor mask = Ablation.keepMask(be, DType.F32, hn, ablated);
        Tensor hm = Ablation.masked(cut, mask).value();
        for (int mi = 0; mi < m; mi++) {
            for (int b = 0; b < ex.count(); b++) {
                for (int k = 0; k < hn; k++) {
                    int i = (mi * ex.count() + b) * hn + k;
                    assertEquals(k == j[mi] ? 0 : h.getDouble(i), hm.getDouble(i), 0, "model " + mi + " example " + b + " neuron " + k);
                }
            }
        }
        Tensor before = cut.logits(cut.activation()).value(), after = Ablation.logits(cut, mask).value();
        Tensor w = model.params().get("layers.1.W").value();                  // [M, H, C]
        double worst = 0, moved = 0;
        for (int mi = 0; mi < m; mi++) {
            for (int b = 0; b < ex.count(); b++) {
                double hj = h.getDouble((mi * ex.count() + b) * hn + j[mi]);
                for (int k = 0; k < c; k++) {
                    int i = (mi * ex.count() + b) * c + k;
                    double expected = -hj * w.getDouble((mi * hn + j[mi]) * c + k);
                    double got = after.getDouble(i) - before.getDouble(i);
                    worst = Math.max(worst, Math.abs(got - expected));
                    moved = Math.max(moved, Math.abs(got));
                }
            }
        }
        assertTrue(moved > 1e-3, "ablation did not move the logits");
        assertTrue(worst < 1e-5, "logit change differs from −h_j · W[j, :] by " + worst);
    }

    @Test void accuracyOfTheIntactCutMatchesTheModel() {
        Mlp model = CircuitFixtures.mlp(be, 8, new int[]{16}, false, 2);
        Examples ex = CircuitFixtures.examples(be, model, 40, r);
        NeuronAccess.Cut cut = model.cut(ex.ids(), ex.count(), 0);
        float[] logits = model.logits(ex.ids(), ex.count(), false, 0).value().toFloatArray();
        int c = CircuitFixtures.CLASSES, correct = 0;
        for (int b = 0; b < ex.count(); b++) {
            int arg = 0;
            for (int k = 1; k < c; k++) if (logits[b * c + k] > logits[b * c + arg]) arg = k;
            if (arg == ex.hostLabels()[b]) correct++;
        }
        assertEquals((double) correct / ex.count(), Ablation.accuracy(cut, ex, new int[1][0])[0], 0);
        // Ablating every neuron leaves zero logits: argmax is class 0 on every example.
        int[] all = new int[16];
        for (int i = 0; i < 16; i++) all[i] = i;
        long zeros = java.util.Arrays.stream(ex.hostLabels()).filter(l -> l == 0).count();
        assertEquals((double) zeros / ex.count(), Ablation.accuracy(cut, ex, new int[][]{all})[0], 0);
    }

    private static int firing(Tensor h, int model, int batch, int hn) {
        double best = 0;
        int arg = -1;
        for (int k = 0; k < hn; k++) {
            double s = 0;
            for (int b = 0; b < batch; b++) s += h.getDouble((model * batch + b) * hn + k);
            if (s > best) { best = s; arg = k; }
        }
        assertTrue(arg >= 0, "no neuron fires");
        return arg;
    }
}
