package dev.groklab.backend.cuda;

import dev.groklab.backend.AdamStep;
import dev.groklab.backend.SgdStep;
import dev.groklab.backend.cpu.ReferenceBackend;
import dev.groklab.tensor.Tensor;

/**
 * The reference backend's shape validation, shared so that every backend rejects the same
 * inputs with the same messages. Never instantiated: it only re-exports the protected helpers.
 */
final class Checks extends ReferenceBackend {
    private Checks() { super(null); }

    static int[] broadcast(String op, Tensor a, Tensor b, Tensor out) { return broadcastShape(op, a, b, out); }

    static void sumTo(Tensor x, Tensor out) { checkSumTo(x, out); }

    static void same(String op, Tensor a, Tensor b) { sameShape(op, a, b); }

    static void crossEntropyShapes(Tensor logits, Tensor targets, Tensor loss, Tensor lse) { checkCrossEntropy(logits, targets, loss, lse); }

    static int groupsOf(String op, Tensor x, Tensor param) { return groups(op, x, param); }

    static void attentionShapes(Tensor q, Tensor k, Tensor v, Tensor out) { checkAttention(q, k, v, out); }

    static void gather(String op, Tensor table, Tensor idx, Tensor rows) { checkGather(op, table, idx, rows); }

    static void adam(Tensor p, Tensor g, Tensor m, Tensor v, Tensor target, AdamStep h) { checkAdam(p, g, m, v, target, h); }

    static void sgdState(Tensor p, Tensor g, Tensor buf, Tensor target, SgdStep h) { checkSgdShapes(p, g, buf, target, h); }
}
