package dev.groklab.train;

import java.util.ArrayList;
import java.util.List;

/**
 * One model's evaluation history, and the two numbers grokking is about: the first evaluated
 * step where training accuracy reached the threshold (memorized) and where test accuracy did
 * (grokked).
 */
public final class ModelCurves {
    public static final double THRESHOLD = 0.99;

    final List<double[]> rows = new ArrayList<>();   // step, trainAcc, testAcc, trainLoss, testLoss, weightNorm
    private Integer memorized, grokked;

    public void add(int step, double trainAcc, double testAcc, double trainLoss, double testLoss, double weightNorm) {
        rows.add(new double[]{step, trainAcc, testAcc, trainLoss, testLoss, weightNorm});
        if (memorized == null && trainAcc >= THRESHOLD) memorized = step;
        if (grokked == null && testAcc >= THRESHOLD) grokked = step;
    }

    public Integer memorizedStep() { return memorized; }

    public Integer grokkedStep() { return grokked; }

    public int size() { return rows.size(); }

    public double[] column(int c) {
        double[] out = new double[rows.size()];
        for (int i = 0; i < out.length; i++) out[i] = rows.get(i)[c];
        return out;
    }

    public double last(int c) { return rows.isEmpty() ? Double.NaN : rows.get(rows.size() - 1)[c]; }

    public static final int STEP = 0, TRAIN_ACC = 1, TEST_ACC = 2, TRAIN_LOSS = 3, TEST_LOSS = 4, WEIGHT_NORM = 5;
}
