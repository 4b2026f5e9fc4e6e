package dev.groklab.train;

import java.util.List;

/** Everything measured at one evaluation step, per model. */
public record EvalRecord(int step, double[] trainLoss, double[] trainAcc, double[] testLoss, double[] testAcc,
                         double[] weightNorm, List<String> layerNames, double[][] layerNorms, double[] gradNorm,
                         float[] lr, double elapsedSeconds) {
    public int models() { return trainLoss.length; }
}
