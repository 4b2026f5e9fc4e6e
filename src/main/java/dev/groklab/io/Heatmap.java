package dev.groklab.io;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A histogram over time as a PNG: one column per x value (drawn in order, equally wide), rows
 * are bins between the given edges, colour is the count on a log(1 + count) scale (so a few
 * neurons in a tail stay visible next to a crowded bin), white where the count is 0. A colour
 * bar on the right reads counts; optional dashed vertical markers label chosen x values.
 */
public final class Heatmap {
    static {
        // Must precede the first AWT use: training machines have no display.
        System.setProperty("java.awt.headless", "true");
    }

    public static final int WIDTH = 1000, HEIGHT = 600;
    static final int LEFT = 90, RIGHT = 120, TOP = 44, BOTTOM = 64;
    private static final Color[] RAMP = {new Color(0xDCE6F5), new Color(0x3B4CC0), new Color(0xB40426)};

    /** A dashed vertical line at column value x (drawn at the nearest column). */
    public record Marker(double x, String label) {}

    private Heatmap() {}

    /**
     * @param xs     one value per column (its tick label), ascending
     * @param yEdges bins + 1 ascending edges
     * @param counts counts[column][bin]
     */
    public static void write(Path png, String title, String xTitle, String yTitle, double[] xs, double[] yEdges,
                             double[][] counts, List<Marker> markers) throws IOException {
        AtomicFiles.write(png, render(title, xTitle, yTitle, xs, yEdges, counts, markers, WIDTH, HEIGHT));
    }

    public static byte[] render(String title, String xTitle, String yTitle, double[] xs, double[] yEdges,
                                double[][] counts, List<Marker> markers, int width, int height) throws IOException {
        int cols = xs.length, bins = yEdges.length - 1;
        if (cols == 0 || bins < 1) throw new IllegalArgumentException("heatmap: needs at least one column and one bin");
        if (counts.length != cols) throw new IllegalArgumentException("heatmap: " + counts.length + " count columns for " + cols + " x values");
        for (double[] c : counts) {
            if (c.length != bins) throw new IllegalArgumentException("heatmap: a column has " + c.length + " bins, the edges give " + bins);
        }
        if (width < LEFT + RIGHT + 10 || height < TOP + BOTTOM + 10) throw new IllegalArgumentException("heatmap: image too small");
        double max = 0;
        for (double[] c : counts) for (double v : c) if (Double.isFinite(v)) max = Math.max(max, v);

        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        int pw = width - LEFT - RIGHT, ph = height - TOP - BOTTOM;
        double lo = yEdges[0], hi = yEdges[bins];

        for (int c = 0; c < cols; c++) {
            int x0 = LEFT + c * pw / cols, x1 = LEFT + (c + 1) * pw / cols;
            for (int b = 0; b < bins; b++) {
                double v = counts[c][b];
                if (!(v > 0)) continue;
                int y0 = TOP + yPixel(yEdges[b + 1], lo, hi, ph), y1 = TOP + yPixel(yEdges[b], lo, hi, ph);
                g.setColor(colour(Math.log1p(v) / Math.log1p(max)));
                g.fillRect(x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0));
            }
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(LEFT, TOP, pw, ph);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();

        int xTicks = Math.min(cols, 10);
        for (int t = 0; t < xTicks; t++) {
            int c = xTicks == 1 ? 0 : (int) Math.round((double) t * (cols - 1) / (xTicks - 1));
            int x = LEFT + (2 * c + 1) * pw / (2 * cols);
            g.drawLine(x, TOP + ph, x, TOP + ph + 4);
            String s = number(xs[c]);
            g.drawString(s, x - fm.stringWidth(s) / 2, TOP + ph + 18);
        }
        for (int t = 0; t <= 6; t++) {
            double v = lo + (hi - lo) * t / 6;
            int y = TOP + yPixel(v, lo, hi, ph);
            g.drawLine(LEFT - 4, y, LEFT, y);
            String s = number(v);
            g.drawString(s, LEFT - 8 - fm.stringWidth(s), y + fm.getAscent() / 2 - 1);
        }
        if (lo < 0 && hi > 0) {
            // The zero line: positive saliency helps the prediction, negative hurts it.
            int y = TOP + yPixel(0, lo, hi, ph);
            g.setColor(new Color(0x888888));
            g.drawLine(LEFT, y, LEFT + pw, y);
        }
        if (markers != null) {
            g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[]{6f, 4f}, 0f));
            for (Marker m : markers) {
                int c = nearest(xs, m.x());
                int x = LEFT + (2 * c + 1) * pw / (2 * cols);
                g.setColor(Color.BLACK);
                g.drawLine(x, TOP, x, TOP + ph);
                g.drawString(m.label(), x + 4, TOP + 14 + fm.getHeight() * (markers.indexOf(m) % 3));
            }
            g.setStroke(new BasicStroke());
        }

        // Colour bar.
        int bx = LEFT + pw + 24, bw = 18;
        for (int y = 0; y < ph; y++) {
            g.setColor(colour(1 - (double) y / (ph - 1)));
            g.fillRect(bx, TOP + y, bw, 1);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(bx, TOP, bw, ph);
        for (int t = 0; t <= 4; t++) {
            double f = t / 4.0;
            double count = Math.expm1(f * Math.log1p(max));
            int y = TOP + (int) Math.round((1 - f) * (ph - 1));
            g.drawLine(bx + bw, y, bx + bw + 4, y);
            g.drawString(number(count), bx + bw + 7, y + fm.getAscent() / 2 - 1);
        }

        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        if (title != null) g.drawString(title, LEFT, TOP - 16);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        fm = g.getFontMetrics();
        if (xTitle != null) g.drawString(xTitle, LEFT + (pw - fm.stringWidth(xTitle)) / 2, height - 18);
        if (yTitle != null) {
            AffineTransform saved = g.getTransform();
            g.rotate(-Math.PI / 2);
            g.drawString(yTitle, -(TOP + (ph + fm.stringWidth(yTitle)) / 2), 20);
            g.setTransform(saved);
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** Pixel row (from the plot's top) of value v. */
    private static int yPixel(double v, double lo, double hi, int ph) {
        double f = hi > lo ? (v - lo) / (hi - lo) : 0.5;
        return (int) Math.round((1 - f) * ph);
    }

    private static int nearest(double[] xs, double x) {
        int best = 0;
        for (int i = 1; i < xs.length; i++) if (Math.abs(xs[i] - x) < Math.abs(xs[best] - x)) best = i;
        return best;
    }

    /** Colour at f in [0, 1] along the ramp. */
    static Color colour(double f) {
        f = Math.max(0, Math.min(1, Double.isFinite(f) ? f : 0));
        double s = f * (RAMP.length - 1);
        int i = Math.min((int) s, RAMP.length - 2);
        double t = s - i;
        Color a = RAMP[i], b = RAMP[i + 1];
        return new Color((int) Math.round(a.getRed() + t * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + t * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + t * (b.getBlue() - a.getBlue())));
    }

    private static String number(double v) {
        if (v == 0) return "0";
        double a = Math.abs(v);
        if (a >= 1e4 || a < 1e-3) return String.format(Locale.ROOT, "%.1e", v);
        if (a >= 100) return String.format(Locale.ROOT, "%.0f", v);
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
