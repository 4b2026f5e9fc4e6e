package dev.groklab.nn;

import dev.groklab.autodiff.Var;
import dev.groklab.tensor.Tensor;

/** An ensemble of M identical networks mapping token sequences to class logits. */
public interface Model {
    /**
     * The index vector this model reads for a batch of sequences (host ints, row-major [B, T]);
     * computed once per dataset on the host, so training never reads tokens back.
     */
    default int[] inputIds(int[] sequences, int seqLen) { return sequences; }

    /**
     * Logits [M, B, classes] for the I32 ids of {@link #inputIds} (shared by all models).
     * {@code training} enables dropout; {@code step} keys its random mask.
     */
    Var logits(Tensor tokens, int batch, boolean training, long step);

    Params params();

    int models();

    /** Parameter groups for per-layer weight norms: name prefix → label. */
    default java.util.List<String> layerPrefixes() { return java.util.List.of(""); }
}
