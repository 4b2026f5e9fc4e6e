package dev.groklab.circuits;

import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.nn.Mlp;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IntegratedGradientsTest {
    private final Backend be = Backends.cpu();
    private final Random r = Check.rng();
    private Scope scope;

    @BeforeEach void open() { scope = Scope.open(); }

    @AfterEach void close() { scope.close(); }

    /** Row sums of IG minus f(x) − f(x'), worst over rows. */
    private static double worstGap(IntegratedGradients.Result res, int rows) {
        double[] a = res.attribution().toDoubleArray(), fx = res.atInput().toDoubleArray(), fb = res.atBaseline().toDoubleArray();
        int per = a.length / rows;
        double worst = 0;
        for (int row = 0; row < rows; row++) {
            double s = 0;
            for (int j = 0; j < per; j++) s += a[row * per + j];
            worst = Math.max(worst, Math.abs(s - (fx[row] - fb[row])));
        }
        return worst;
    }

    @Test void completenessInFloat64() {
        // f: the correct-class log-probability of a two-layer head on h [M=2, B=5, H=7], in float64.
        int m = 2, b = 5, h = 7, hid = 6, c = 4;
        Var w1 = Var.constant(Check.randnF64(be, r, m, h, hid)), w2 = Var.constant(Check.randnF64(be, r, m, hid, c));
        int[] labels = new int[b];
        for (int i = 0; i < b; i++) labels[i] = r.nextInt(c);
        Examples ex = new Examples(be.fromHost(new int[b], b), be.fromHost(labels, b), labels);
        Function<Var, Var> f = x -> Objective.LOG_PROB.of(Ops.matmul(Ops.tanh(Ops.matmul(x, w1)), w2), ex);
        Tensor x = Check.randnF64(be, r, m, b, h);
        // 1024 steps: at 256 the trapezoid rule's gap reached 1.5e-3 for some random heads.
        for (IntegratedGradients.Rule rule : IntegratedGradients.Rule.values()) {
            IntegratedGradients.Result res = IntegratedGradients.attribute(f, x, null, 1024, rule);
            assertTrue(worstGap(res, m * b) < 1e-3, rule + ": completeness gap " + worstGap(res, m * b));
        }
        // A nonzero baseline: the identity holds against f(baseline).
        Tensor base = Check.randnF64(be, r, m, b, h);
        IntegratedGradients.Result res = IntegratedGradients.attribute(f, x, base, 256, IntegratedGradients.Rule.MIDPOINT);
        assertTrue(worstGap(res, m * b) < 1e-3, "baseline: gap " + worstGap(res, m * b));
        // One interval is a crude quadrature: the check above is not vacuous.
        IntegratedGradients.Result crude = IntegratedGradients.attribute(f, x, null, 1, IntegratedGradients.Rule.MIDPOINT);
        assertTrue(worstGap(crude, m * b) > 1e-3, "one interval should not be complete: " + worstGap(crude, m * b));
    }

    @Test void linearFunctionGivesGradientTimesInput() {
        int m = 3, b = 4, h = 9;
        Tensor w = Check.randnF64(be, r, m, 1, h);
        Function<Var, Var> f = x -> Ops.sum(Ops.mul(x, Var.constant(w)), false, -1);   // f_b = w · x_b
        Tensor x = Check.randnF64(be, r, m, b, h), base = Check.randnF64(be, r, m, b, h);
        for (int steps : new int[]{1, 3}) {
            IntegratedGradients.Result res = IntegratedGradients.attribute(f, x, base, steps, IntegratedGradients.Rule.TRAPEZOID);
            for (int mi = 0; mi < m; mi++) {
                for (int bi = 0; bi < b; bi++) {
                    for (int j = 0; j < h; j++) {
                        int i = (mi * b + bi) * h + j;
                        double expected = w.getDouble(mi * h + j) * (x.getDouble(i) - base.getDouble(i));
                        assertEquals(expected, res.attribution().getDouble(i), 1e-12, "element " + i + " with " + steps + " steps");
                    }
                }
            }
        }
    }

    @Test void mlpLogitSaliencyIsActivationTimesReadoutWeight() {
        // One hidden layer, no biases: the correct-class logit is linear in h, so S_bj = h_bj · W1[j, y_b] exactly.
        Mlp model = CircuitFixtures.mlp(be, 8, new int[]{16}, false, 5, 6);
        Examples ex = CircuitFixtures.examples(be, model, 13, r);
        Saliency.Attributions a = Saliency.compute(model, ex, 0, Objective.LOGIT, 2, IntegratedGradients.Rule.MIDPOINT);
        Tensor h = model.cut(ex.ids(), ex.count(), 0).activation().value();
        Tensor w = model.params().get("layers.1.W").value();                  // [M, H, C]
        int hn = 16, c = CircuitFixtures.CLASSES;
        double worst = 0;
        for (int mi = 0; mi < 2; mi++) {
            for (int bi = 0; bi < ex.count(); bi++) {
                for (int j = 0; j < hn; j++) {
                    double expected = h.getDouble((mi * ex.count() + bi) * hn + j) * w.getDouble((mi * hn + j) * c + ex.hostLabels()[bi]);
                    worst = Math.max(worst, Math.abs(expected - a.get(mi, bi, j)));
                }
            }
        }
        assertTrue(worst < 1e-5, "worst difference " + worst);
    }

    @Test void mlpLogProbSaliencyIsCompleteInFloat32() {
        // Two hidden layers, cut at the first: the rest is non-linear (ReLU, log-softmax).
        Mlp model = CircuitFixtures.mlp(be, 8, new int[]{24, 16}, true, 1, 2);
        Examples ex = CircuitFixtures.examples(be, model, 17, r);
        Saliency.Attributions a = Saliency.compute(model, ex, 0, Objective.LOG_PROB, 512, IntegratedGradients.Rule.MIDPOINT);
        double worst = 0;
        for (int mi = 0; mi < 2; mi++) for (int bi = 0; bi < ex.count(); bi++) worst = Math.max(worst, Math.abs(a.completenessGap(mi, bi)));
        assertTrue(worst < 1e-3, "completeness gap " + worst);
        // The parameters' gradients are untouched: cuts freeze the weights.
        for (Var p : model.params().vars()) assertEquals(null, p.grad(), "a saliency pass left a parameter gradient");
    }
}
