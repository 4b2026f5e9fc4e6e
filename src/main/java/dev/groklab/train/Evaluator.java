package dev.groklab.train;

import dev.groklab.autodiff.Grad;
import dev.groklab.autodiff.Var;
import dev.groklab.backend.Backend;
import dev.groklab.nn.Model;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;

/** Mean loss (cross-entropy or MSE) and argmax accuracy of every model on a split, in bounded-memory chunks. */
public final class Evaluator {
    /** Per-model loss and accuracy. */
    public record Scores(double[] loss, double[] accuracy) {}

    private final int chunkRows;
    private final Loss lossFn;

    public Evaluator(int chunkRows) { this(chunkRows, Loss.CE); }

    public Evaluator(int chunkRows, Loss loss) {
        this.chunkRows = chunkRows;
        this.lossFn = loss;
    }

    public Scores evaluate(Backend be, Model model, Split split) {
        int m = model.models();
        double[] loss = new double[m], correct = new double[m];
        try (var ng = Grad.off()) {
            for (int from = 0; from < split.count(); from += chunkRows) {
                int to = Math.min(split.count(), from + chunkRows);
                try (Scope s = Scope.open()) {
                    Split part = split.count() <= chunkRows ? split : split.rows(be, range(from, to));
                    int rows = to - from;
                    Var logits = model.logits(part.ids(), rows, false, 0);
                    Var ce = lossFn.perRow(logits, part);
                    Tensor ceHost = be.toHost(ce.value());
                    Tensor lHost = be.toHost(logits.value());
                    accumulate(ceHost.toFloatArray(), lHost.toFloatArray(), part.hostLabels(), m, rows, loss, correct);
                }
            }
        }
        for (int i = 0; i < m; i++) {
            loss[i] /= split.count();
            correct[i] /= split.count();
        }
        return new Scores(loss, correct);
    }

    private static void accumulate(float[] ce, float[] logits, int[] labels, int m, int rows,
                                   double[] loss, double[] correct) {
        int c = logits.length / (m * rows);
        for (int mi = 0; mi < m; mi++) {
            for (int r = 0; r < rows; r++) {
                loss[mi] += ce[mi * rows + r];
                int base = (mi * rows + r) * c, arg = 0;
                for (int j = 1; j < c; j++) if (logits[base + j] > logits[base + arg]) arg = j;
                if (arg == labels[r]) correct[mi]++;
            }
        }
    }

    static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) r[i] = from + i;
        return r;
    }
}
