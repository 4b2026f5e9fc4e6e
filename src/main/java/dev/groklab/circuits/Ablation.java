package dev.groklab.circuits;

import dev.groklab.autodiff.Grad;
import dev.groklab.autodiff.Ops;
import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.nn.NeuronAccess;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;

/**
 * Zero-ablation of hidden neurons: the chosen neurons' activations are set to 0 (on every
 * example and position) and the rest of the network runs from the masked activation.
 */
public final class Ablation {
    private Ablation() {}

    /** A keep-mask [M, 1, H]: 0 at model m's neurons {@code ablated[m]}, 1 elsewhere. */
    public static Tensor keepMask(Backend be, DType dtype, int neurons, int[][] ablated) {
        int m = ablated.length;
        double[] keep = new double[m * neurons];
        java.util.Arrays.fill(keep, 1);
        for (int mi = 0; mi < m; mi++) {
            for (int j : ablated[mi]) {
                if (j < 0 || j >= neurons) throw new IllegalArgumentException("ablation: neuron " + j + " out of range 0.." + (neurons - 1));
                keep[mi * neurons + j] = 0;
            }
        }
        if (dtype == DType.F64) return be.fromHost(keep, m, 1, neurons);
        float[] f = new float[keep.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) keep[i];
        return be.fromHost(f, m, 1, neurons);
    }

    /** The cut's activation with the mask applied. */
    public static Var masked(NeuronAccess.Cut cut, Tensor keepMask) {
        return Ops.mul(cut.activation(), Var.constant(keepMask));
    }

    /** Logits [M, B, classes] with the masked neurons silenced. */
    public static Var logits(NeuronAccess.Cut cut, Tensor keepMask) {
        return cut.logits(masked(cut, keepMask));
    }

    /** Per-model accuracy with model m's neurons {@code ablated[m]} zeroed (an empty list: the intact network). */
    public static double[] accuracy(NeuronAccess.Cut cut, Examples ex, int[][] ablated) {
        try (Scope s = Scope.open(); var ng = Grad.off()) {
            Backend be = Backends.of(cut.activation().value());
            Tensor mask = keepMask(be, cut.activation().value().dtype(), cut.neurons(), ablated);
            return accuracy(be.toHost(logits(cut, mask).value()).toFloatArray(), ex.hostLabels(), ablated.length);
        }
    }

    /** Argmax accuracy per model of host logits [M, B, C]. */
    static double[] accuracy(float[] logits, int[] labels, int models) {
        int b = labels.length, c = logits.length / (models * b);
        double[] acc = new double[models];
        for (int m = 0; m < models; m++) {
            int correct = 0;
            for (int r = 0; r < b; r++) {
                int base = (m * b + r) * c, arg = 0;
                for (int k = 1; k < c; k++) if (logits[base + k] > logits[base + arg]) arg = k;
                if (arg == labels[r]) correct++;
            }
            acc[m] = (double) correct / b;
        }
        return acc;
    }
}
