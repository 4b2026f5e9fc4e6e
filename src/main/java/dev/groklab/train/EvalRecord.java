package dev.groklab.train;

import java.util.List;
import java.util.Map;

/**
 * Everything measured at one evaluation step, per model. {@code extra} holds optional per-model
 * columns by name (e.g. HMC's acceptance rate); never null.
 */
public record EvalRecord(int step, double[] trainLoss, double[] trainAcc, double[] testLoss, double[] testAcc,
                         double[] weightNorm, List<String> layerNames, double[][] layerNorms, double[] gradNorm,
                         float[] lr, double elapsedSeconds, Map<String, double[]> extra) {
    public EvalRecord {
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    /** Without extra columns. */
    public EvalRecord(int step, double[] trainLoss, double[] trainAcc, double[] testLoss, double[] testAcc,
                      double[] weightNorm, List<String> layerNames, double[][] layerNorms, double[] gradNorm,
                      float[] lr, double elapsedSeconds) {
        this(step, trainLoss, trainAcc, testLoss, testAcc, weightNorm, layerNames, layerNorms, gradNorm, lr, elapsedSeconds, null);
    }

    public int models() { return trainLoss.length; }
}
