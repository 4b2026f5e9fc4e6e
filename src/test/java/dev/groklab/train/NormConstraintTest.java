package dev.groklab.train;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.data.AlgorithmicDataset;
import dev.groklab.data.Task;
import dev.groklab.tensor.Scope;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --constrain-norm keeps each model's total weight norm at its value after init × α. */
class NormConstraintTest {
    private final Backend be = Backends.cpu();

    private static TrainConfig config(boolean constrain, double alpha) {
        TrainConfig g = TrainFixtures.mlp(23, 0.5, 12, 4, 0, 0, List.of(1L, 2L, 3L), List.of(1e-2f), List.of(0f, 1f));
        return new TrainConfig(g.task(), g.p(), g.trainFraction(), g.splitSeed(), g.opToken(), g.model(), g.layers(),
                g.dModel(), g.heads(), g.dMlp(), g.act(), g.layerNorm(), g.biases(), g.dropout(), g.embed(), g.hidden(),
                g.optimizer(), g.lr(), g.weightDecay(), g.seeds(), g.beta1(), g.beta2(), g.eps(), g.momentum(), g.nesterov(),
                g.coupledDecay(), g.decayToInit(), g.schedule(), g.warmup(), g.lrJumpFactor(), g.lrJumpStep(), g.steps(),
                g.batch(), g.evalEvery(), g.checkpointEvery(), g.backend(), alpha, g.explore(), g.omnigrok().withConstrainNorm(constrain));
    }

    private static AlgorithmicDataset data(TrainConfig c) {
        return AlgorithmicDataset.build(Task.parse(c.task()), c.p(), c.trainFraction(), c.splitSeed(), c.opToken());
    }

    @Test void normStaysAtItsInitialValueAfterEveryStep() {
        double alpha = 2.5;
        TrainConfig cfg = config(true, alpha);
        double[] plain;
        try (Scope s = Scope.open()) {
            Trainer t = new Trainer(be, config(false, 1.0), data(cfg));
            plain = Norms.totals(be, t.model().params(), cfg.models());
        }
        try (Scope s = Scope.open()) {
            Trainer t = new Trainer(be, cfg, data(cfg));
            double[] target = t.normTargets();
            assertEquals(6, target.length);
            for (int m = 0; m < target.length; m++) {
                assertEquals(alpha * plain[m], target[m], 1e-5 * target[m], "target of model " + m + " is the norm after init × α");
            }
            for (int step = 1; step <= 12; step++) {
                t.advance(RunOutputs.NONE, false);
                double[] now = Norms.totals(be, t.model().params(), cfg.models());
                for (int m = 0; m < now.length; m++) {
                    assertEquals(target[m], now[m], 1e-5 * target[m], "model " + m + " after step " + step);
                }
            }
        }
    }

    @Test void withoutTheConstraintTheNormMoves() {
        // the same run, free: the assertions above are not true by accident
        TrainConfig cfg = config(false, 2.5);
        try (Scope s = Scope.open()) {
            Trainer t = new Trainer(be, cfg, data(cfg));
            double[] start = Norms.totals(be, t.model().params(), cfg.models());
            for (int step = 0; step < 12; step++) t.advance(RunOutputs.NONE, false);
            double[] end = Norms.totals(be, t.model().params(), cfg.models());
            for (int m = 0; m < end.length; m++) {
                assertTrue(Math.abs(end[m] / start[m] - 1) > 1e-3, "model " + m + ": " + start[m] + " -> " + end[m]);
            }
        }
    }
}
