package dev.groklab.autodiff;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.testing.Check;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every op's backward against central finite differences in float64. */
class GradCheckTest {
    private final Backend be = Backends.cpu();
    private final Random r = Check.rng();
    private Scope scope;

    @BeforeEach void open() { scope = Scope.open(); }

    @AfterEach void close() { scope.close(); }

    private Tensor x(int... shape) { return Check.randnF64(be, r, shape); }

    private Tensor positive(int... shape) {
        Tensor t = x(shape);
        for (int i = 0; i < t.numel(); i++) t.setDouble(i, 0.5 + Math.abs(t.getDouble(i)));
        return t;
    }

    /** Unit normals moved at least 0.1 away from 0, where relu and abs have their kink. */
    private Tensor awayFromZero(int... shape) {
        Tensor t = x(shape);
        for (int i = 0; i < t.numel(); i++) t.setDouble(i, Math.copySign(0.1 + Math.abs(t.getDouble(i)), t.getDouble(i)));
        return t;
    }

    /**
     * Draws inputs until no value of {@code kinked} (a ReLU's input) lies within 1e-3 of 0: a central
     * difference would straddle the kink there and disagree with the one-sided gradient.
     */
    private Tensor[] awayFromKink(Supplier<Tensor[]> draw, Function<Var[], Var> kinked) {
        while (true) {
            Tensor[] in = draw.get();
            Var[] c = new Var[in.length];
            for (int i = 0; i < in.length; i++) c[i] = Var.constant(in[i]);
            Tensor pre = kinked.apply(c).value();
            boolean clear = true;
            for (int i = 0; i < pre.numel(); i++) clear &= Math.abs(pre.getDouble(i)) > 1e-3;
            if (clear) return in;
        }
    }

    private void ok(String what, Function<Var[], Var> f, Tensor... in) {
        GradCheck.Result res = GradCheck.check(f, r.nextLong(), in);
        assertTrue(res.relativeError() < 1e-6, what + ": " + res);
    }

    @Test void matmul() {
        ok("matmul", v -> Ops.matmul(v[0], v[1]), x(5, 3), x(3, 7));
        ok("batched matmul", v -> Ops.matmul(v[0], v[1]), x(2, 3, 5, 3), x(2, 3, 3, 4));
        ok("shared weight", v -> Ops.matmul(v[0], v[1]), x(3, 5, 3), x(3, 2));
        ok("shared left", v -> Ops.matmul(v[0], v[1]), x(5, 3), x(3, 3, 2));
        ok("transposed view", v -> Ops.matmul(Ops.transpose(v[0], 0, 1), v[1]), x(3, 5), x(3, 4));
    }

    @Test void elementwiseWithBroadcasting() {
        ok("add", v -> Ops.add(v[0], v[1]), x(3, 5), x(1, 5));
        ok("sub", v -> Ops.sub(v[0], v[1]), x(3, 1), x(4));
        ok("mul", v -> Ops.mul(v[0], v[1]), x(2, 3, 5), x(2, 1, 5));
        ok("div", v -> Ops.div(v[0], v[1]), x(3, 5), positive(3, 5));
        ok("scalars", v -> Ops.pow(Ops.addScalar(Ops.mulScalar(v[0], 1.7), 0.3), 3), x(3, 4));
        ok("pow on positive", v -> Ops.pow(v[0], 0.5), positive(7));
    }

    @Test void unaries() {
        ok("neg", v -> Ops.neg(v[0]), x(7));
        ok("relu", v -> Ops.relu(v[0]), awayFromZero(3, 5));
        ok("gelu", v -> Ops.gelu(v[0]), x(3, 5));
        ok("tanh", v -> Ops.tanh(v[0]), x(3, 5));
        ok("exp", v -> Ops.exp(v[0]), x(3, 5));
        ok("log", v -> Ops.log(v[0]), positive(3, 5));
        ok("square", v -> Ops.square(v[0]), x(3, 5));
        ok("sqrt", v -> Ops.sqrt(v[0]), positive(3, 5));
        ok("abs", v -> Ops.abs(v[0]), awayFromZero(3, 5));
    }

    @Test void reductionsAndShapes() {
        ok("sum axis", v -> Ops.sum(v[0], false, 1), x(3, 5, 2));
        ok("sum keep", v -> Ops.sum(v[0], true, 0, 2), x(3, 5, 2));
        ok("mean", v -> Ops.mean(v[0], false, -1), x(3, 5));
        ok("sumAll", v -> Ops.sumAll(v[0]), x(3, 5));
        ok("reshape", v -> Ops.reshape(Ops.mul(v[0], v[0]), 5, 3), x(3, 5));
        ok("permute", v -> Ops.mul(Ops.permute(v[0], 2, 0, 1), v[1]), x(3, 5, 2), x(2, 3, 5));
        ok("slice", v -> Ops.square(Ops.slice(v[0], 1, 1, 4)), x(3, 5));
        ok("two slices of one node", v -> Ops.mul(Ops.slice(v[0], 1, 0, 2), Ops.slice(v[0], 1, 2, 4)), x(3, 5));
        ok("a slice beside the whole", v -> Ops.add(Ops.slice(v[0], 1, 1, 3), Ops.slice(Ops.mul(v[0], v[0]), 1, 0, 2)), x(3, 5));
        ok("every third row", v -> Ops.square(Ops.view(v[0], new int[]{2, 3, 4}, new int[]{36, 12, 1}, 8)), x(2, 9, 4));
        ok("a view beside the whole", v -> Ops.add(Ops.view(Ops.tanh(v[0]), new int[]{2, 4}, new int[]{12, 1}, 4),
                Ops.view(Ops.mul(v[0], v[0]), new int[]{2, 4}, new int[]{12, 1}, 0)), x(2, 3, 4));
        ok("two views of one node", v -> Ops.mul(Ops.view(v[0], new int[]{2, 4}, new int[]{12, 1}, 4),
                Ops.view(v[0], new int[]{2, 4}, new int[]{12, 1}, 2)), x(2, 3, 4));
        ok("overlapping slices of a middle axis", v -> Ops.mul(Ops.slice(v[0], 1, 0, 3), Ops.slice(v[0], 1, 1, 4)), x(2, 5, 3));
        ok("concat", v -> Ops.square(Ops.concat(1, v[0], v[1])), x(3, 2), x(3, 5));
    }

    @Test void lastQueryAttention() {
        ok("one query over three keys", v -> Ops.lastQueryAttention(v[0], v[1], v[2]), x(2, 3, 2, 5), x(2, 3, 4, 2, 5), x(2, 3, 4, 2, 5));
        ok("one key", v -> Ops.lastQueryAttention(v[0], v[1], v[2]), x(3, 1, 4), x(3, 1, 1, 4), x(3, 1, 1, 4));
    }

    /**
     * An inner node hands its gradient to the first parent that takes it whole (an addition's
     * operand, a reshape's input) instead of copying it; these graphs reuse a node several ways so
     * that a kept gradient is later summed into in place.
     */
    @Test void gradientsHandedOnWithoutCopies() {
        ok("x + x", v -> Ops.mul(Ops.add(v[0], v[0]), v[1]), x(3, 5), x(3, 5));
        ok("x − x + x", v -> Ops.mul(Ops.add(Ops.sub(v[0], v[0]), v[0]), v[1]), x(3, 5), x(3, 5));
        ok("residual stream", v -> {
            Var h = v[0];
            h = Ops.add(h, Ops.tanh(Ops.mul(h, v[1])));
            h = Ops.add(Ops.reshape(Ops.reshape(h, 15), 3, 5), Ops.square(h));
            return Ops.add(Ops.mul(h, h), Ops.sub(h, v[0]));
        }, x(3, 5), x(3, 5));
        ok("reshape fan-out", v -> {
            Var y = Ops.add(v[0], v[1]);
            return Ops.mul(Ops.reshape(y, 5, 3), Ops.reshape(Ops.add(y, v[0]), 5, 3));
        }, x(3, 5), x(1, 5));
    }

    /** Leaves keep their gradients; inner nodes give theirs up, so a second backward pass adds exactly once more. */
    @Test void viewsThatOverlapOrLeaveTheTensorAreRefused() {
        Var v = Var.param(x(2, 3, 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ops.view(v, new int[]{2, 4}, new int[]{2, 1}, 0));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Ops.view(v, new int[]{2, 4}, new int[]{12, 1}, 13));
        assertTrue(e.getMessage().contains("outside the 24 elements"), e.getMessage());
    }

    @Test void onlyLeavesKeepGradients() {
        Var x = Var.param(x(3, 5)), w = Var.param(x(3, 5));
        Var y = Ops.mul(x, w);
        Var z = Ops.sumAll(Ops.add(y, x));
        z.backward();
        assertNull(y.grad(), "an inner node's gradient");
        for (int pass = 1; pass <= 2; pass++) {
            for (int i = 0; i < 15; i++) {
                double want = pass * (w.value().getDouble(i) + 1);
                assertEquals(want, x.grad().getDouble(i), 1e-12, "dz/dx after " + pass + " backward passes");
                assertEquals(pass * x.value().getDouble(i), w.grad().getDouble(i), 1e-12, "dz/dw after " + pass + " passes");
            }
            if (pass == 1) z.backward();
        }
    }

    @Test void rows() {
        ok("softmax", v -> Ops.softmax(v[0]), x(3, 7));
        ok("logSoftmax", v -> Ops.logSoftmax(v[0]), x(3, 7));
        int[] targets = {2, 0, 6};
        ok("crossEntropy", v -> Ops.crossEntropy(v[0], be.fromHost(targets, 3)), x(3, 7));
        ok("crossEntropy ensemble", v -> Ops.crossEntropy(v[0], be.fromHost(targets, 3)), x(2, 3, 7));
        ok("mse", v -> Ops.mse(v[0], v[1]), x(3, 5), x(3, 5));
        ok("layerNorm", v -> Ops.layerNorm(v[0], v[1], v[2], 1e-5), x(4, 7), x(7), x(7));
        ok("layerNorm groups", v -> Ops.layerNorm(v[0], v[1], v[2], 1e-5), x(2, 3, 5), x(2, 5), x(2, 5));
    }

    @Test void attention() {
        ok("attention causal", v -> Ops.attention(v[0], v[1], v[2], true), x(2, 3, 4, 5), x(2, 3, 4, 5), x(2, 3, 4, 5));
        ok("attention full", v -> Ops.attention(v[0], v[1], v[2], false), x(3, 5, 3), x(3, 5, 3), x(3, 5, 3));
    }

    @Test void embeddingAndDropout() {
        Tensor idx = be.fromHost(new int[]{1, 3, 1, 0, 4}, 5);
        ok("embedding", v -> Ops.square(Ops.embedding(v[0], idx)), x(5, 3));
        ok("embedding ensemble", v -> Ops.square(Ops.embedding(v[0], idx)), x(2, 5, 3));
        Tensor perModel = be.fromHost(new int[]{1, 3, 2, 0, 4, 4}, 2, 3);
        ok("embedding per model", v -> Ops.square(Ops.embedding(v[0], perModel)), x(2, 5, 3));
        ok("dropout", v -> Ops.dropout(v[0], 0.3, 11, 2, 5), x(4, 9));
    }

    @Test void composedMlpLoss() {
        int[] targets = {1, 0, 2, 2, 1};
        Tensor[] in = awayFromKink(() -> new Tensor[]{x(5, 4), x(4, 6), x(6), x(6, 3)}, v -> Ops.add(Ops.matmul(v[0], v[1]), v[2]));
        ok("mlp", v -> Ops.meanAll(Ops.crossEntropy(
                Ops.matmul(Ops.relu(Ops.add(Ops.matmul(v[0], v[1]), v[2])), v[3]), be.fromHost(targets, 5))), in);
    }

    @Test void denseEnsembleMlpWithMse() {
        // the image path: shared features [B, D] into per-model weights [M, D, H] and biases [M, 1, H], MSE against one-hot
        Tensor features = x(5, 4);
        Tensor oneHot = be.fromHost(new double[]{0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0}, 5, 3);
        Tensor[] in = awayFromKink(() -> new Tensor[]{x(2, 4, 6), x(2, 1, 6), x(2, 6, 3), x(2, 1, 3)},
                v -> Ops.add(Ops.matmul(Var.constant(features), v[0]), v[1]));
        ok("dense mlp mse", v -> Ops.meanAll(Ops.mse(
                Ops.add(Ops.matmul(Ops.relu(Ops.add(Ops.matmul(Var.constant(features), v[0]), v[1])), v[2]), v[3]),
                Var.constant(oneHot))), in);
    }
}
