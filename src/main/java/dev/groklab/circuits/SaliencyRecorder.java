package dev.groklab.circuits;

import dev.groklab.io.AtomicFiles;
import dev.groklab.io.Heatmap;
import dev.groklab.io.LinePlot;
import dev.groklab.nn.NeuronAccess;
import dev.groklab.tensor.Scope;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;

/**
 * Saliency and ablation over training: at each recorded step, IG saliencies of one hidden layer
 * on a fixed set of examples, each neuron's median and mean over them, and the accuracy on train
 * and test with the top-k neurons (by median saliency) zeroed, next to k random neurons as a
 * control. {@link #write} leaves CSVs, a heatmap of the median-saliency histogram over steps
 * and an ablation plot.
 */
public final class SaliencyRecorder {
    /**
     * @param layer      the hidden layer analysed
     * @param igSteps    quadrature intervals of integrated gradients
     * @param ks         ablation sizes
     * @param bins       median-saliency bins of the heatmap
     * @param randomSeed seed of the random-neuron control
     */
    public record Settings(int layer, int igSteps, IntegratedGradients.Rule rule, Objective objective, int[] ks,
                           int bins, long randomSeed) {
        public Settings {
            if (igSteps < 1) throw new IllegalArgumentException("saliency: IG steps must be >= 1, got " + igSteps);
            if (bins < 1) throw new IllegalArgumentException("saliency: bins must be >= 1, got " + bins);
            for (int k : ks) if (k < 1) throw new IllegalArgumentException("saliency: ablation sizes must be >= 1, got " + k);
        }
    }

    /**
     * One model at one step.
     *
     * @param carriersPerExample median over examples of the neurons carrying 90% of f(h) − f(0)
     * @param meanGain           mean over examples of f(h) − f(0), what the saliencies add up to
     * @param completenessGap    the largest |Σ_j S_bj − (f(h_b) − f(0))| over examples
     * @param trainTop           train accuracy with the top ks[i] neurons zeroed (likewise test, and random neurons)
     */
    public record Point(int step, int model, double trainAcc, double testAcc, NeuronStats stats, double carriersPerExample,
                        double meanGain, double completenessGap, int[] ks, double[] trainTop, double[] testTop,
                        double[] trainRandom, double[] testRandom) {}

    private final Settings s;
    private final List<Point> points = new ArrayList<>();

    public SaliencyRecorder(Settings settings) { this.s = settings; }

    public List<Point> points() { return List.copyOf(points); }

    /** Measures the model now: saliencies on {@code attributeOn}, ablations on train and test. */
    public List<Point> record(int step, NeuronAccess model, Examples attributeOn, Examples train, Examples test) {
        int m = model.models(), h = model.neurons(s.layer());
        int[] ks = Arrays.stream(s.ks()).map(k -> Math.min(k, h)).distinct().toArray();
        Saliency.Attributions a = Saliency.compute(model, attributeOn, s.layer(), s.objective(), s.igSteps(), s.rule());
        NeuronStats[] stats = new NeuronStats[m];
        for (int mi = 0; mi < m; mi++) stats[mi] = NeuronStats.of(a, mi);
        double[][] trTop = new double[m][ks.length], teTop = new double[m][ks.length];
        double[][] trRnd = new double[m][ks.length], teRnd = new double[m][ks.length];
        double[] trAcc, teAcc;
        try (Scope sc = Scope.open()) {
            NeuronAccess.Cut trCut = model.cut(train.ids(), train.count(), s.layer());
            NeuronAccess.Cut teCut = model.cut(test.ids(), test.count(), s.layer());
            int[][] none = new int[m][0];
            trAcc = Ablation.accuracy(trCut, train, none);
            teAcc = Ablation.accuracy(teCut, test, none);
            for (int i = 0; i < ks.length; i++) {
                int[][] top = new int[m][], rnd = new int[m][];
                for (int mi = 0; mi < m; mi++) {
                    top[mi] = stats[mi].top(ks[i]);
                    rnd[mi] = randomNeurons(h, ks[i], new Random(s.randomSeed() * 1_000_003L + step * 131L + mi * 17L + ks[i]));
                }
                double[] a1 = Ablation.accuracy(trCut, train, top), a2 = Ablation.accuracy(teCut, test, top);
                double[] r1 = Ablation.accuracy(trCut, train, rnd), r2 = Ablation.accuracy(teCut, test, rnd);
                for (int mi = 0; mi < m; mi++) {
                    trTop[mi][i] = a1[mi];
                    teTop[mi][i] = a2[mi];
                    trRnd[mi][i] = r1[mi];
                    teRnd[mi][i] = r2[mi];
                }
            }
        }
        List<Point> now = new ArrayList<>();
        for (int mi = 0; mi < m; mi++) {
            double gain = 0, gap = 0;
            for (int b = 0; b < a.examples(); b++) {
                gain += a.atInput()[mi * a.examples() + b] - a.atBaseline()[mi * a.examples() + b];
                gap = Math.max(gap, Math.abs(a.completenessGap(mi, b)));
            }
            now.add(new Point(step, mi, trAcc[mi], teAcc[mi], stats[mi], NeuronStats.carriersPerExample(a, mi),
                    gain / a.examples(), gap, ks, trTop[mi], teTop[mi], trRnd[mi], teRnd[mi]));
        }
        points.addAll(now);
        return now;
    }

    /** k distinct neurons drawn uniformly. */
    static int[] randomNeurons(int n, int k, Random r) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int i = 0; i < k; i++) {
            int j = i + r.nextInt(n - i);
            int t = perm[i]; perm[i] = perm[j]; perm[j] = t;
        }
        return Arrays.copyOf(perm, k);
    }

    /** The points of one model, in step order. */
    public List<Point> of(int model) { return points.stream().filter(p -> p.model() == model).toList(); }

    /**
     * Writes saliency.csv (per-neuron medians and means), layer.csv (per-step summaries),
     * ablation.csv, and per model saliency-heatmap.png and ablation.png (suffixed -mN for
     * ensembles); {@code markers} label steps on the heatmap.
     */
    public void write(Path dir, List<Heatmap.Marker> markers) throws IOException {
        StringBuilder sal = new StringBuilder("step,model,neuron,median_saliency,mean_saliency,active_fraction,active_median_saliency\n");
        StringBuilder layer = new StringBuilder("step,model,train_acc,test_acc,positive_medians,median_skewness,mean_skewness,"
                + "active_median_skewness,median_active_fraction,carriers_of_mean,carriers_per_example,mean_gain,completeness_gap\n");
        StringBuilder abl = new StringBuilder("step,model,k,train_acc,test_acc,train_acc_top,test_acc_top,"
                + "train_drop_top,test_drop_top,train_drop_random,test_drop_random\n");
        for (Point p : points) {
            NeuronStats st = p.stats();
            for (int j = 0; j < st.neurons(); j++) {
                sal.append(String.format(Locale.ROOT, "%d,%d,%d,%.6g,%.6g,%.6g,%.6g%n", p.step(), p.model(), j, st.median()[j],
                        st.mean()[j], st.active()[j], st.activeMedian()[j]));
            }
            layer.append(String.format(Locale.ROOT, "%d,%d,%.6f,%.6f,%d,%.6g,%.6g,%.6g,%.6g,%d,%.1f,%.6g,%.3g%n", p.step(), p.model(),
                    p.trainAcc(), p.testAcc(), st.positiveMedians(), st.medianSkewness(), NeuronStats.skewness(st.mean()),
                    NeuronStats.skewness(st.activeMedian()), NeuronStats.median(st.active()), st.carriersOfMean(),
                    p.carriersPerExample(), p.meanGain(), p.completenessGap()));
            for (int i = 0; i < p.ks().length; i++) {
                abl.append(String.format(Locale.ROOT, "%d,%d,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f%n", p.step(), p.model(),
                        p.ks()[i], p.trainAcc(), p.testAcc(), p.trainTop()[i], p.testTop()[i], p.trainAcc() - p.trainTop()[i],
                        p.testAcc() - p.testTop()[i], p.trainAcc() - p.trainRandom()[i], p.testAcc() - p.testRandom()[i]));
            }
        }
        AtomicFiles.writeString(dir.resolve("saliency.csv"), sal.toString());
        AtomicFiles.writeString(dir.resolve("layer.csv"), layer.toString());
        AtomicFiles.writeString(dir.resolve("ablation.csv"), abl.toString());
        int models = points.stream().mapToInt(Point::model).max().orElse(-1) + 1;
        for (int m = 0; m < models; m++) {
            String suffix = models > 1 ? "-m" + m : "";
            List<Point> ps = of(m);
            writeHeatmap(dir.resolve("saliency-heatmap" + suffix + ".png"), ps, markers, p -> p.stats().median(),
                    "Median IG saliency per neuron", "median saliency over examples");
            writeHeatmap(dir.resolve("saliency-heatmap-mean" + suffix + ".png"), ps, markers, p -> p.stats().mean(),
                    "Mean IG saliency per neuron", "mean saliency over examples");
            writeHeatmap(dir.resolve("saliency-heatmap-active" + suffix + ".png"), ps, markers, p -> p.stats().activeMedian(),
                    "Median IG saliency per neuron over the examples where it is nonzero", "median saliency where active");
            writeAblation(dir.resolve("ablation" + suffix + ".png"), ps);
        }
    }

    private void writeHeatmap(Path png, List<Point> ps, List<Heatmap.Marker> markers, Function<Point, double[]> value,
                              String title, String yTitle) throws IOException {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Point p : ps) for (double v : value.apply(p)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        if (!(hi > lo)) { lo -= 0.5; hi += 0.5; }
        int bins = s.bins();
        double[] edges = new double[bins + 1];
        for (int i = 0; i <= bins; i++) edges[i] = lo + (hi - lo) * i / bins;
        double[] xs = new double[ps.size()];
        double[][] counts = new double[ps.size()][bins];
        for (int c = 0; c < ps.size(); c++) {
            xs[c] = ps.get(c).step();
            for (double v : value.apply(ps.get(c))) {
                int b = Math.min(bins - 1, (int) ((v - lo) / (hi - lo) * bins));
                counts[c][Math.max(0, b)]++;
            }
        }
        String what = s.objective() == Objective.LOG_PROB ? "log-probability of the correct class" : "correct-class logit";
        Heatmap.write(png, title + " (" + what + ", hidden layer " + s.layer() + "); colour: neurons",
                "step", yTitle, xs, edges, counts, markers);
    }

    private static void writeAblation(Path png, List<Point> ps) throws IOException {
        if (ps.isEmpty()) return;
        int[] ks = ps.get(0).ks();
        double[] x = ps.stream().mapToDouble(Point::step).toArray();
        List<LinePlot.Line> acc = List.of(
                new LinePlot.Line("train", x, ps.stream().mapToDouble(Point::trainAcc).toArray(), true),
                new LinePlot.Line("test", x, ps.stream().mapToDouble(Point::testAcc).toArray(), false));
        List<LinePlot.Line> trTop = new ArrayList<>(), teTop = new ArrayList<>(), trRnd = new ArrayList<>();
        for (int i = 0; i < ks.length; i++) {
            final int fi = i;
            trTop.add(new LinePlot.Line("top " + ks[i], x, ps.stream().mapToDouble(p -> p.trainAcc() - p.trainTop()[fi]).toArray(), false));
            teTop.add(new LinePlot.Line("top " + ks[i], x, ps.stream().mapToDouble(p -> p.testAcc() - p.testTop()[fi]).toArray(), false));
            trRnd.add(new LinePlot.Line("random " + ks[i], x, ps.stream().mapToDouble(p -> p.trainAcc() - p.trainRandom()[fi]).toArray(), true));
        }
        LinePlot.write(png, "step", List.of(
                new LinePlot.Panel("accuracy of the intact network (train dashed, test solid)", "accuracy", acc),
                new LinePlot.Panel("train accuracy drop: top-k salient neurons zeroed", "accuracy drop", trTop),
                new LinePlot.Panel("test accuracy drop: top-k salient neurons zeroed", "accuracy drop", teTop),
                new LinePlot.Panel("train accuracy drop: k random neurons zeroed (control)", "accuracy drop", trRnd)));
    }
}
