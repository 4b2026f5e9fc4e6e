package dev.groklab.circuits;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * One model's saliencies summarized per neuron and per layer. Per neuron: the median and mean
 * over the examples, the fraction of examples where its saliency is nonzero (for ReLU: where it
 * fires, since an off neuron equals the baseline) and the median over those examples only. A
 * ReLU neuron that fires on fewer than half the examples has median 0, which in a sparse layer
 * can be every neuron; the conditional median and the mean stay informative there. Per layer:
 * the skewness of the medians (the seed predicts it turns right-skewed) and how many neurons it
 * takes to carry 90% of a prediction.
 */
public record NeuronStats(double[] median, double[] mean, double[] active, double[] activeMedian) {
    public static final double SHARE = 0.9;

    public static NeuronStats of(Saliency.Attributions a, int model) {
        int b = a.examples(), h = a.neurons();
        double[] med = new double[h], mean = new double[h], active = new double[h], activeMed = new double[h];
        float[] col = new float[b], on = new float[b];
        for (int j = 0; j < h; j++) {
            double s = 0;
            int n = 0;
            for (int i = 0; i < b; i++) {
                col[i] = a.get(model, i, j);
                s += col[i];
                if (col[i] != 0) on[n++] = col[i];
            }
            mean[j] = s / b;
            med[j] = median(col);
            active[j] = (double) n / b;
            activeMed[j] = n == 0 ? 0 : median(Arrays.copyOf(on, n));
        }
        return new NeuronStats(med, mean, active, activeMed);
    }

    /** The median of values (the mean of the middle two for an even count). */
    public static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        int n = c.length;
        return n % 2 == 1 ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
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
    public double medianSkewness() { return skewness(median); }

    /** Fisher skewness of values (0 when they are all equal). */
    public static double skewness(double[] values) {
        int n = values.length;
        double mu = Arrays.stream(values).average().orElse(0), m2 = 0, m3 = 0;
        for (double x : values) {
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
