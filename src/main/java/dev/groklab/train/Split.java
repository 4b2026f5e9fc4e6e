package dev.groklab.train;

import dev.groklab.backend.Backend;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Tensor;

/**
 * One split of a dataset on the device: the model input and the labels, plus host labels.
 * The input {@code ids} is either I32 token ids ({@code idsPerRow} per row, with their host copy
 * {@code hostIds}) or F32 features [count, idsPerRow] ({@code hostIds} null: minibatch rows are
 * gathered on the device, so image data is uploaded once). {@code targets} holds one-hot F32
 * targets [count, classes] for the MSE loss, else null.
 */
public record Split(String name, int count, int idsPerRow, int[] hostIds, int[] hostLabels, Tensor ids, Tensor labels,
                    Tensor targets) {

    public static Split of(Backend be, String name, int[] ids, int idsPerRow, int[] labels) {
        return of(be, name, ids, idsPerRow, labels, 0);
    }

    /** Token ids; {@code classes > 0} adds one-hot targets. */
    public static Split of(Backend be, String name, int[] ids, int idsPerRow, int[] labels, int classes) {
        return new Split(name, labels.length, idsPerRow, ids, labels, be.fromHost(ids, ids.length),
                be.fromHost(labels, labels.length), oneHot(be, labels, classes));
    }

    /** Dense features [labels.length, width]; {@code classes > 0} adds one-hot targets. */
    public static Split features(Backend be, String name, float[] x, int width, int[] labels, int classes) {
        if (x.length != (long) labels.length * width) {
            throw new IllegalArgumentException("split " + name + ": " + x.length + " features for " + labels.length + " rows of " + width);
        }
        return new Split(name, labels.length, width, null, labels, be.fromHost(x, labels.length, width),
                be.fromHost(labels, labels.length), oneHot(be, labels, classes));
    }

    public boolean dense() { return hostIds == null; }

    /** The given rows uploaded (or, for features, gathered on the device) as a new split. */
    public Split rows(Backend be, int[] rowIndex) {
        int[] labels = new int[rowIndex.length];
        for (int i = 0; i < rowIndex.length; i++) labels[i] = hostLabels[rowIndex[i]];
        int classes = targets == null ? 0 : targets.dim(1);
        if (dense()) {
            Tensor out = be.empty(DType.F32, 1, rowIndex.length, idsPerRow);
            be.gather(ids.reshape(1, count, idsPerRow), be.fromHost(rowIndex, rowIndex.length), out);
            return new Split(name, rowIndex.length, idsPerRow, null, labels, out.reshape(rowIndex.length, idsPerRow),
                    be.fromHost(labels, labels.length), oneHot(be, labels, classes));
        }
        int[] ids = new int[rowIndex.length * idsPerRow];
        for (int i = 0; i < rowIndex.length; i++) System.arraycopy(hostIds, rowIndex[i] * idsPerRow, ids, i * idsPerRow, idsPerRow);
        return of(be, name, ids, idsPerRow, labels, classes);
    }

    private static Tensor oneHot(Backend be, int[] labels, int classes) {
        if (classes <= 0) return null;
        float[] t = new float[labels.length * classes];
        for (int i = 0; i < labels.length; i++) t[i * classes + labels[i]] = 1;
        return be.fromHost(t, labels.length, classes);
    }
}
