package dev.groklab.train;

import dev.groklab.io.MetricsCsv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** Every model's curves as a run's metrics.csv holds them (index = model); empty if the file is absent or empty. */
    public static List<ModelCurves> read(Path metrics) throws IOException {
        List<ModelCurves> out = new ArrayList<>();
        if (!Files.exists(metrics)) return out;
        List<String> lines = Files.readAllLines(metrics);
        if (lines.isEmpty()) return out;
        List<String> head = MetricsCsv.parseLine(lines.get(0));
        int[] col = {head.indexOf("step"), head.indexOf("train_acc"), head.indexOf("test_acc"), head.indexOf("train_loss"),
                head.indexOf("test_loss"), head.indexOf("weight_norm")};
        int cModel = head.indexOf("model");
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) continue;
            List<String> f = MetricsCsv.parseLine(line);
            int m = Integer.parseInt(f.get(cModel));
            while (out.size() <= m) out.add(new ModelCurves());
            double[] v = new double[col.length];
            for (int i = 0; i < col.length; i++) v[i] = MetricsCsv.parseDouble(f.get(col[i]));
            out.get(m).add((int) v[0], v[1], v[2], v[3], v[4], v[5]);
        }
        return out;
    }

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
