package dev.groklab.circuits;

import dev.groklab.backend.Backend;
import dev.groklab.tensor.Tensor;

/**
 * Labelled examples on the device: the model's input ids (as {@code Model.inputIds} gives them),
 * the I32 labels, and a host copy of the labels for accuracies.
 */
public record Examples(Tensor ids, Tensor labels, int[] hostLabels) {
    public Examples {
        if (labels.numel() != hostLabels.length) {
            throw new IllegalArgumentException("examples: " + labels.numel() + " labels on the device but " + hostLabels.length + " on the host");
        }
    }

    public static Examples of(Backend be, int[] ids, int[] labels) {
        return new Examples(be.fromHost(ids, ids.length), be.fromHost(labels, labels.length), labels.clone());
    }

    public int count() { return hostLabels.length; }
}
