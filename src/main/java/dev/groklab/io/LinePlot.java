package dev.groklab.io;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Stacked panels of labelled lines over a shared linear x axis, as one PNG. */
public final class LinePlot {
    static {
        // Must precede the first AWT use: training machines have no display.
        System.setProperty("java.awt.headless", "true");
    }

    public static final int WIDTH = 1000, PANEL_HEIGHT = 340;
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf),
    };
    private static final BasicStroke DASHED = new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[]{6f, 4f}, 0f);

    /** One line; non-finite points are left out. */
    public record Line(String label, double[] x, double[] y, boolean dashed) {
        public Line {
            if (x.length != y.length) throw new IllegalArgumentException("line plot: " + label + " has " + x.length + " x and " + y.length + " y values");
        }
    }

    public record Panel(String title, String yTitle, List<Line> lines) {}

    private LinePlot() {}

    public static void write(Path png, String xTitle, List<Panel> panels) throws IOException {
        AtomicFiles.write(png, render(xTitle, panels));
    }

    public static byte[] render(String xTitle, List<Panel> panels) throws IOException {
        if (panels.isEmpty()) throw new IllegalArgumentException("line plot: no panels");
        List<XYChart> charts = new ArrayList<>();
        for (Panel p : panels) {
            XYChart c = CurvePlot.styled(PANEL_HEIGHT, p.title(), xTitle, p.yTitle(), false, false, 4);
            int colour = 0;
            for (Line l : p.lines()) {
                double[] fx = new double[l.x().length], fy = new double[l.x().length];
                int n = 0;
                for (int i = 0; i < l.x().length; i++) {
                    if (!Double.isFinite(l.x()[i]) || !Double.isFinite(l.y()[i])) continue;
                    fx[n] = l.x()[i];
                    fy[n++] = l.y()[i];
                }
                Color col = PALETTE[colour++ % PALETTE.length];
                if (n == 0) continue;
                XYSeries s = c.addSeries(l.label(), java.util.Arrays.copyOf(fx, n), java.util.Arrays.copyOf(fy, n));
                s.setLineColor(col);
                s.setMarkerColor(col);
                s.setMarker(SeriesMarkers.CIRCLE);
                s.setLineStyle(l.dashed() ? DASHED : SeriesLines.SOLID);
            }
            if (c.getSeriesMap().isEmpty()) {
                // XChart cannot lay out a chart without series; draw an invisible point instead.
                XYSeries e = c.addSeries("(no data)", new double[]{0}, new double[]{0});
                e.setMarker(SeriesMarkers.NONE).setShowInLegend(false);
                e.setLineColor(new Color(0, 0, 0, 0));
            }
            charts.add(c);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        BitmapEncoder.saveBitmap(charts, charts.size(), 1, out, BitmapEncoder.BitmapFormat.PNG);
        return out.toByteArray();
    }
}
