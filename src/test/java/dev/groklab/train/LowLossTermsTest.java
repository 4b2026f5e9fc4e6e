package dev.groklab.train;

import dev.groklab.autodiff.GradCheck;
import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The antiregularization and norm-pull terms: gradients against finite differences in float64, and their direction. */
class LowLossTermsTest {
    private final Backend be = Backends.cpu();
    private final Random r = Check.rng();
    private Scope scope;

    @BeforeEach void open() { scope = Scope.open(); }

    @AfterEach void close() { scope.close(); }

    /** Two ensemble parameters [M=3, ...] of different ranks, in float64. */
    private Tensor[] weights() {
        return new Tensor[]{Check.randnF64(be, r, 3, 4, 5), Check.randnF64(be, r, 3, 7)};
    }

    @Test void antiregGradientMatchesFiniteDifferences() {
        Tensor[] w = weights();
        List<Tensor> start = List.of(Check.randnF64(be, r, 3, 4, 5), Check.randnF64(be, r, 3, 7));
        GradCheck.Result res = GradCheck.check(v -> LowLossTerms.antireg(List.of(v), start, 0.37), r.nextLong(), w);
        assertTrue(res.relativeError() < 1e-6, "antireg: " + res);
    }

    @Test void normPullGradientMatchesFiniteDifferences() {
        GradCheck.Result res = GradCheck.check(v -> LowLossTerms.normPull(List.of(v), 2.5, 0.8), r.nextLong(), weights());
        assertTrue(res.relativeError() < 1e-6, "norm pull: " + res);
        Tensor halfWd = be.fromHost(new double[]{0.5, 0, 1.5}, 3);
        GradCheck.Result l2 = GradCheck.check(v -> LowLossTerms.l2(List.of(v), halfWd), r.nextLong(), weights());
        assertTrue(l2.relativeError() < 1e-6, "l2: " + l2);
    }

    /** −∇(antireg) · (w − w_start) > 0 for every model: descent moves away from the start; the value is −λ‖w − w_start‖². */
    @Test void antiregPushesAwayFromTheStart() {
        Tensor[] w = weights();
        List<Tensor> start = List.of(Check.randnF64(be, r, 3, 4, 5), Check.randnF64(be, r, 3, 7));
        Var[] p = {Var.param(w[0]), Var.param(w[1])};
        double lambda = 0.37;
        Var term = LowLossTerms.antireg(List.of(p), start, lambda);
        Ops.sumAll(term).backward();
        for (int m = 0; m < 3; m++) {
            double dot = 0, dist = 0;
            for (int k = 0; k < 2; k++) {
                int per = (int) (w[k].numel() / 3);
                for (int i = m * per; i < (m + 1) * per; i++) {
                    double d = w[k].getDouble(i) - start.get(k).getDouble(i);
                    dot += -p[k].grad().getDouble(i) * d;
                    dist += d * d;
                }
            }
            assertTrue(dot > 0, "model " + m + ": -grad · (w - w_start) = " + dot);
            assertEquals(-lambda * dist, term.value().getDouble(m), 1e-9 * dist);
        }
    }

    /** A gradient step on λ(‖w‖ − R)² moves each model's norm toward R, from above and from below. */
    @Test void normPullMovesTheNormTowardTarget() {
        Tensor[] w = weights();
        double[] norm = new double[3];
        for (int k = 0; k < 2; k++) {
            int per = (int) (w[k].numel() / 3);
            for (int i = 0; i < w[k].numel(); i++) norm[i / per] += w[k].getDouble(i) * w[k].getDouble(i);
        }
        for (int m = 0; m < 3; m++) norm[m] = Math.sqrt(norm[m]);
        for (double target : new double[]{norm[0] * 0.5, norm[0] * 2}) {
            Var[] p = {Var.param(w[0]), Var.param(w[1])};
            Ops.sumAll(LowLossTerms.normPull(List.of(p), target, 1.0)).backward();
            double moved = 0;
            for (int k = 0; k < 2; k++) {
                int per = (int) (w[k].numel() / 3);
                for (int i = 0; i < per; i++) {
                    double x = w[k].getDouble(i) - 1e-3 * p[k].grad().getDouble(i);
                    moved += x * x;
                }
            }
            double after = Math.sqrt(moved);
            assertTrue(Math.abs(after - target) < Math.abs(norm[0] - target),
                    "norm " + norm[0] + " -> " + after + " for target " + target);
        }
    }
}
