package dev.groklab.autodiff;

import dev.groklab.backend.AdamStep;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.Test;

import java.util.Random;

/** M models trained together in one batched computation give each model's solo numbers. */
class EnsembleTest {
    private final Backend be = Backends.cpu();
    static final int B = 37, D = 13, H = 21, C = 5, STEPS = 15;

    /** A 2-layer MLP over a shared input, parameters [M, ...], trained with per-model AdamW. */
    private Tensor[] train(Tensor x, Tensor y, Tensor[] init, float[] lr, float[] wd) {
        int m = lr.length;
        Var[] p = new Var[init.length];
        Tensor[] mom = new Tensor[init.length], vel = new Tensor[init.length];
        for (int i = 0; i < init.length; i++) {
            p[i] = Var.param(Check.copyOf(be, init[i]));
            mom[i] = Check.zerosLike(be, init[i]);
            vel[i] = Check.zerosLike(be, init[i]);
        }
        for (int step = 1; step <= STEPS; step++) {
            try (Scope s = Scope.open()) {
                Var h = Ops.relu(Ops.add(Ops.matmul(Var.constant(x), p[0]), p[1]));      // [M, B, H]
                Var logits = Ops.matmul(h, p[2]);                                         // [M, B, C]
                Var perModel = Ops.mean(Ops.crossEntropy(logits, y), false, 1);          // [M]
                Ops.sumAll(perModel).backward();
                AdamStep hs = new AdamStep(lr, wd, 0.9f, 0.98f, 1e-8f, step);
                for (int i = 0; i < p.length; i++) {
                    be.adamw(p[i].value(), p[i].grad(), mom[i], vel[i], null, hs);
                    p[i].zeroGrad();
                }
            }
        }
        Tensor[] out = new Tensor[p.length];
        for (int i = 0; i < p.length; i++) out[i] = p[i].value();
        return out;
    }

    @Test void ensembleEqualsSoloRuns() {
        Random r = Check.rng();
        int m = 3;
        try (Scope s = Scope.open()) {
            Tensor x = Check.randn(be, r, B, D);
            Tensor y = Check.randint(be, r, C, B);
            Tensor[] init = {Check.randn(be, r, m, D, H), Check.randn(be, r, m, 1, H), Check.randn(be, r, m, H, C)};
            float[] lr = {1e-3f, 3e-3f, 1e-2f}, wd = {0f, 0.1f, 1f};
            Tensor[] together = train(x, y, init, lr, wd);
            for (int k = 0; k < m; k++) {
                Tensor[] solo = new Tensor[init.length];
                for (int i = 0; i < init.length; i++) solo[i] = init[i].slice(0, k, k + 1);
                Tensor[] alone = train(x, y, solo, new float[]{lr[k]}, new float[]{wd[k]});
                for (int i = 0; i < init.length; i++) {
                    Check.close("model " + k + " param " + i, alone[i], together[i].slice(0, k, k + 1), 1e-5);
                }
            }
            // the models really differ: the comparison above is not trivially true
            Tensor a = together[2].slice(0, 0, 1), b = together[2].slice(0, 2, 3);
            double diff = 0;
            for (int i = 0; i < a.numel(); i++) diff += Math.abs(a.getDouble(i) - b.getDouble(i));
            org.junit.jupiter.api.Assertions.assertTrue(diff > 1e-2);
        }
    }
}
