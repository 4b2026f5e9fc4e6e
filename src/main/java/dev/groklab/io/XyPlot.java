package dev.groklab.io;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * One panel of y against x (e.g. final accuracy against Omnigrok's α) as a PNG, in the style of
 * {@link CurvePlot}: lines with markers, optional log axes, points a log axis cannot show left out.
 */
public final class XyPlot {
    static {
        // Must precede the first AWT use: training machines have no display.
        System.setProperty("java.awt.headless", "true");
    }

    private static final BasicStroke DASHED = new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[]{6f, 4f}, 0f);

    private XyPlot() {}

    /** A named line; {@code dashed} draws it dashed (train curves, by the convention of CurvePlot). */
    public record Series(String label, double[] x, double[] y, boolean dashed) {
        public Series {
            if (x.length != y.length) throw new IllegalArgumentException("xy plot: " + x.length + " x values but " + y.length + " y values");
        }
    }

    public static void write(Path png, List<Series> series, String title, String xTitle, String yTitle,
                             boolean logX, boolean logY) throws IOException {
        AtomicFiles.write(png, render(series, title, xTitle, yTitle, logX, logY));
    }

    public static byte[] render(List<Series> series, String title, String xTitle, String yTitle,
                                boolean logX, boolean logY) throws IOException {
        if (series.isEmpty()) throw new IllegalArgumentException("xy plot: no series to draw");
        XYChart c = CurvePlot.styled(2 * CurvePlot.PANEL_HEIGHT, title, xTitle + (logX ? " (log)" : ""), yTitle, logX, logY, 7);
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            double[] fx = new double[s.x().length], fy = new double[s.x().length];
            int n = 0;
            for (int k = 0; k < s.x().length; k++) {
                double x = s.x()[k], y = s.y()[k];
                if (!Double.isFinite(x) || !Double.isFinite(y) || (logX && x <= 0) || (logY && y <= 0)) continue;
                fx[n] = x;
                fy[n] = y;
                n++;
            }
            if (n == 0) continue;
            String name = s.label();
            for (int k = 2; c.getSeriesMap().containsKey(name); k++) name = s.label() + " #" + k;
            XYSeries xs = c.addSeries(name, Arrays.copyOf(fx, n), Arrays.copyOf(fy, n));
            Color col = CurvePlot.colour(i);
            xs.setLineColor(col);
            xs.setMarkerColor(col);
            xs.setMarker(SeriesMarkers.CIRCLE);
            if (s.dashed()) xs.setLineStyle(DASHED);
        }
        if (c.getSeriesMap().isEmpty()) {
            XYSeries e = c.addSeries("(no data)", new double[]{1}, new double[]{1});
            e.setMarker(SeriesMarkers.NONE).setShowInLegend(false);
            e.setLineColor(new Color(0, 0, 0, 0));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        BitmapEncoder.saveBitmap(c, out, BitmapEncoder.BitmapFormat.PNG);
        return out.toByteArray();
    }
}
