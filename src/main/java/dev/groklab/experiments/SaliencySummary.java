package dev.groklab.experiments;

import dev.groklab.circuits.NeuronStats;
import dev.groklab.circuits.SaliencyRecorder;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The saliency experiment's summary: the measurements at memorization, at grokking and at the end. */
final class SaliencySummary {
    private SaliencySummary() {}

    static Map<String, Object> phases(List<SaliencyRecorder.Point> points, Integer memorized, Integer grokked) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (points.isEmpty()) return out;
        if (memorized != null) out.put("at_memorization", point(firstFrom(points, memorized)));
        if (grokked != null) out.put("at_grokking", point(firstFrom(points, grokked)));
        out.put("at_end", point(points.get(points.size() - 1)));
        return out;
    }

    private static SaliencyRecorder.Point firstFrom(List<SaliencyRecorder.Point> points, int step) {
        for (SaliencyRecorder.Point p : points) if (p.step() >= step) return p;
        return points.get(points.size() - 1);
    }

    static Map<String, Object> point(SaliencyRecorder.Point p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", p.step());
        m.put("train_acc", p.trainAcc());
        m.put("test_acc", p.testAcc());
        m.put("positive_medians", p.stats().positiveMedians());
        m.put("median_skewness", p.stats().medianSkewness());
        m.put("mean_skewness", NeuronStats.skewness(p.stats().mean()));
        m.put("active_median_skewness", NeuronStats.skewness(p.stats().activeMedian()));
        m.put("median_active_fraction", NeuronStats.median(p.stats().active()));
        m.put("carriers_of_mean", p.stats().carriersOfMean());
        m.put("carriers_per_example", p.carriersPerExample());
        m.put("mean_gain", p.meanGain());
        m.put("completeness_gap", p.completenessGap());
        Map<String, Object> drops = new LinkedHashMap<>();
        for (int i = 0; i < p.ks().length; i++) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("train_drop_top", p.trainAcc() - p.trainTop()[i]);
            d.put("test_drop_top", p.testAcc() - p.testTop()[i]);
            d.put("train_drop_random", p.trainAcc() - p.trainRandom()[i]);
            d.put("test_drop_random", p.testAcc() - p.testRandom()[i]);
            drops.put(Integer.toString(p.ks()[i]), d);
        }
        m.put("ablation", drops);
        return m;
    }
}
