package dev.groklab.circuits;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * One model's saliencies summarized per neuron (median and mean over the examples) and per
 * layer: the skewness of the medians (the seed predicts it turns right-skewed) and how many
 * neurons it takes to carry 90% of a prediction.
 */
public record NeuronStats(double[] median, double[] mean) {
    public static final double SHARE = 0.9;

    public static NeuronStats of(Saliency.Attributions a, int model) {
        int b = a.examples(), h = a.neurons();
        double[] med = new double[h], mean = new double[h];
        float[] col = new float[b];
        for (int j = 0; j < h; j++) {
            double s = 0;
            for (int i = 0; i < b; i++) {
                col[i] = a.get(model, i, j);
                s += col[i];
            }
            mean[j] = s / b;
            med[j] = median(col);
        }
        return new NeuronStats(med, mean);
    }

    static double median(float[] v) {
        float[] c = v.clone();
        Arrays.sort(c);
        int n = c.length;
        return n % 2 == 1 ? c[n / 2] : 0.5 * ((double) c[n / 2 - 1] + c[n / 2]);
    }

    public int neurons() { return median.length; }

    /** Neurons from most to least salient: by median saliency, ties (often 0 for ReLU) by mean. */
    public int[] ranking() {
        return IntStream.range(0, median.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(j -> -median[j]).thenComparingDouble(j -> -mean[j]))
                .mapToInt(Integer::intValue).toArray();
    }

    /** The k most salient neurons. */
    public int[] top(int k) { return Arrays.copyOf(ranking(), Math.min(k, median.length)); }

    /** Fisher skewness of the median saliencies (0 when they are all equal). */
    public double medianSkewness() {
        int n = median.length;
        double mu = Arrays.stream(median).average().orElse(0), m2 = 0, m3 = 0;
        for (double x : median) {
            m2 += (x - mu) * (x - mu);
            m3 += (x - mu) * (x - mu) * (x - mu);
        }
        m2 /= n;
        m3 /= n;
        return m2 <= 0 ? 0 : m3 / Math.pow(m2, 1.5);
    }

    /** Neurons with a positive median saliency: those that help on more than half the examples. */
    public int positiveMedians() { return (int) Arrays.stream(median).filter(x -> x > 0).count(); }

    /**
     * Fewest neurons whose mean saliencies, largest first, reach {@link #SHARE} of their total
     * (the mean of f(h) − f(0)); the neuron count when the total is not positive.
     */
    public int carriersOfMean() { return carriers(mean); }

    /** For each example the fewest neurons that carry {@link #SHARE} of its f(h) − f(0); the median over examples. */
    public static double carriersPerExample(Saliency.Attributions a, int model) {
        int b = a.examples(), h = a.neurons();
        double[] counts = new double[b];
        double[] row = new double[h];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < h; j++) row[j] = a.get(model, i, j);
            counts[i] = carriers(row);
        }
        Arrays.sort(counts);
        return b % 2 == 1 ? counts[b / 2] : 0.5 * (counts[b / 2 - 1] + counts[b / 2]);
    }

    static int carriers(double[] values) {
        double total = 0;
        for (double v : values) total += v;
        if (!(total > 0)) return values.length;
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double acc = 0;
        for (int k = 1; k <= sorted.length; k++) {
            acc += sorted[sorted.length - k];
            if (acc >= SHARE * total) return k;
        }
        return values.length;
    }
}
