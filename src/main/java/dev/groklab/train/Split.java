package dev.groklab.train;

import dev.groklab.backend.Backend;
import dev.groklab.tensor.Tensor;

/** One split of a dataset on the device: model input ids and labels, plus their host copies. */
public record Split(String name, int count, int idsPerRow, int[] hostIds, int[] hostLabels, Tensor ids, Tensor labels) {

    public static Split of(Backend be, String name, int[] ids, int idsPerRow, int[] labels) {
        return new Split(name, labels.length, idsPerRow, ids, labels,
                be.fromHost(ids, ids.length), be.fromHost(labels, labels.length));
    }

    /** Rows [from, to) uploaded as a new split (for chunked evaluation and minibatches). */
    public Split rows(Backend be, int[] rowIndex) {
        int[] ids = new int[rowIndex.length * idsPerRow], labels = new int[rowIndex.length];
        for (int i = 0; i < rowIndex.length; i++) {
            System.arraycopy(hostIds, rowIndex[i] * idsPerRow, ids, i * idsPerRow, idsPerRow);
            labels[i] = hostLabels[rowIndex[i]];
        }
        return of(be, name, ids, idsPerRow, labels);
    }
}
