package dev.groklab.io;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Training curves as one PNG of three stacked panels sharing a log step axis: accuracy (train
 * dashed, test solid), loss (log scale, train dashed, test solid) and total weight norm. Each
 * model has one colour; the legend lists at most {@link #LEGEND_MAX} models.
 *
 * <p>Points a log axis cannot show (step ≤ 0, loss ≤ 0) and non-finite values are left out; if
 * no step is positive the step axis is linear instead.
 */
public final class CurvePlot {
    static {
        // Must precede the first AWT use: training machines have no display.
        System.setProperty("java.awt.headless", "true");
    }

    public static final int LEGEND_MAX = 10;
    public static final int WIDTH = 1000, PANEL_HEIGHT = 380;

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf),
    };
    private static final BasicStroke SOLID = SeriesLines.SOLID;
    private static final BasicStroke DASHED = new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[]{6f, 4f}, 0f);

    private CurvePlot() {}

    /**
     * One model's curves. Every non-null array has the length of {@code step}; a null array (a
     * metric not recorded) is simply not drawn. Accuracies are fractions in [0, 1].
     *
     * @param label legend text; null gives "model i"
     */
    public record Series(String label, double[] step, double[] trainAcc, double[] testAcc,
                         double[] trainLoss, double[] testLoss, double[] weightNorm) {
        public Series {
            if (step == null) throw new IllegalArgumentException("curve plot: step is required");
            for (double[] a : new double[][]{trainAcc, testAcc, trainLoss, testLoss, weightNorm}) {
                if (a != null && a.length != step.length) {
                    throw new IllegalArgumentException("curve plot: a metric has " + a.length + " points but step has " + step.length);
                }
            }
        }

        /** Same, with integer steps. */
        public static Series of(String label, long[] step, double[] trainAcc, double[] testAcc,
                                double[] trainLoss, double[] testLoss, double[] weightNorm) {
            double[] s = new double[step.length];
            for (int i = 0; i < s.length; i++) s[i] = step[i];
            return new Series(label, s, trainAcc, testAcc, trainLoss, testLoss, weightNorm);
        }
    }

    /** Writes the PNG atomically. */
    public static void write(Path png, List<Series> models, String title) throws IOException {
        AtomicFiles.write(png, render(models, title));
    }

    /** The PNG bytes. */
    public static byte[] render(List<Series> models, String title) throws IOException {
        if (models.isEmpty()) throw new IllegalArgumentException("curve plot: no models to draw");
        boolean logX = false;
        for (Series s : models) for (double x : s.step()) if (x > 0 && Double.isFinite(x)) logX = true;
        String legendNote = models.size() > LEGEND_MAX ? " (legend: first " + LEGEND_MAX + " of " + models.size() + " models)" : "";
        String head = title == null || title.isBlank() ? "" : title + " — ";
        XYChart acc = chart(head + "accuracy (train dashed, test solid)" + legendNote, "accuracy", logX, false);
        acc.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        XYChart loss = chart("loss (train dashed, test solid)", "loss", logX, true);
        XYChart norm = chart("total weight norm", "‖w‖", logX, false);

        for (int m = 0; m < models.size(); m++) {
            Series s = models.get(m);
            String label = s.label() == null || s.label().isBlank() ? "model " + m : s.label();
            Color c = colour(m);
            boolean legend = m < LEGEND_MAX;
            add(acc, label + " (train)", s.step(), s.trainAcc(), c, DASHED, false, logX, false);
            add(acc, label, s.step(), s.testAcc(), c, SOLID, legend, logX, false);
            add(loss, label + " (train)", s.step(), s.trainLoss(), c, DASHED, false, logX, true);
            add(loss, label, s.step(), s.testLoss(), c, SOLID, legend, logX, true);
            add(norm, label, s.step(), s.weightNorm(), c, SOLID, legend, logX, false);
        }
        List<XYChart> charts = List.of(acc, loss, norm);
        // One step range for all panels, so the stacked x axes line up.
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Series s : models) {
            for (double x : s.step()) {
                if (!Double.isFinite(x) || (logX && x <= 0)) continue;
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
        }
        if (lo < hi) for (XYChart ch : charts) ch.getStyler().setXAxisMin(lo).setXAxisMax(hi);
        for (XYChart ch : charts) {
            // XChart cannot lay out a chart without series; draw an invisible point instead.
            if (ch.getSeriesMap().isEmpty()) {
                XYSeries e = ch.addSeries("(no data)", new double[]{1}, new double[]{ch == acc ? 0.5 : 1});
                e.setMarker(SeriesMarkers.NONE).setShowInLegend(false);
                e.setLineColor(new Color(0, 0, 0, 0));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        BitmapEncoder.saveBitmap(charts, charts.size(), 1, out, BitmapEncoder.BitmapFormat.PNG);
        return out.toByteArray();
    }

    private static XYChart chart(String title, String yTitle, boolean logX, boolean logY) {
        return styled(PANEL_HEIGHT, title, logX ? "step (log)" : "step", yTitle, logX, logY, 5);
    }

    /** One panel in the house style shared by every plot: white, light grid, legend on the right. */
    static XYChart styled(int height, String title, String xTitle, String yTitle, boolean logX, boolean logY, int markerSize) {
        XYChart c = new XYChartBuilder().width(WIDTH).height(height).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        var st = c.getStyler();
        st.setXAxisLogarithmic(logX);
        st.setYAxisLogarithmic(logY);
        st.setLegendPosition(Styler.LegendPosition.OutsideE);
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotGridLinesColor(new Color(0xdddddd));
        st.setMarkerSize(markerSize);
        st.setAntiAlias(true);
        return c;
    }

    private static void add(XYChart chart, String name, double[] xs, double[] ys, Color c,
                            BasicStroke stroke, boolean legend, boolean logX, boolean logY) {
        if (ys == null) return;
        double[] fx = new double[xs.length], fy = new double[xs.length];
        int n = 0;
        for (int i = 0; i < xs.length; i++) {
            double x = xs[i], y = ys[i];
            if (!Double.isFinite(x) || !Double.isFinite(y) || (logX && x <= 0) || (logY && y <= 0)) continue;
            fx[n] = x;
            fy[n] = y;
            n++;
        }
        if (n == 0) return;
        String unique = name;
        for (int k = 2; chart.getSeriesMap().containsKey(unique); k++) unique = name + " #" + k;
        XYSeries s = chart.addSeries(unique, java.util.Arrays.copyOf(fx, n), java.util.Arrays.copyOf(fy, n));
        s.setLineColor(c);
        s.setLineStyle(stroke);
        s.setMarkerColor(c);
        s.setMarker(n == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        s.setShowInLegend(legend);
    }

    /** Tableau-10 colours, then evenly spread hues for larger ensembles. */
    static Color colour(int i) {
        if (i < PALETTE.length) return PALETTE[i];
        float hue = (float) ((i * 0.618033988749895) % 1.0);
        return Color.getHSBColor(hue, 0.75f, 0.8f);
    }
}
