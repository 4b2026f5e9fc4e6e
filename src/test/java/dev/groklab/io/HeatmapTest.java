package dev.groklab.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeatmapTest {
    /** Pixels of the ramp's strong colours (neither white, grey nor black): cells and the colour bar. */
    private static int coloured(BufferedImage img) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y), r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
                if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60) n++;
            }
        }
        return n;
    }

    private static BufferedImage read(byte[] png) throws Exception {
        return ImageIO.read(new java.io.ByteArrayInputStream(png));
    }

    @Test void writesAPngOfTheRequestedSizeWithCells(@TempDir Path dir) throws Exception {
        double[] xs = {0, 50, 100, 150};
        double[] edges = {-1, -0.5, 0, 0.5, 1};
        double[][] counts = {{0, 10, 2, 0}, {0, 3, 8, 1}, {1, 0, 5, 6}, {0, 0, 0, 12}};
        Path png = dir.resolve("h.png");
        Heatmap.write(png, "title", "step", "median", xs, edges, counts, List.of(new Heatmap.Marker(100, "grok")));
        BufferedImage img = ImageIO.read(Files.newInputStream(png));
        assertEquals(Heatmap.WIDTH, img.getWidth());
        assertEquals(Heatmap.HEIGHT, img.getHeight());

        BufferedImage full = read(Heatmap.render(null, null, null, xs, edges, counts, null, 400, 300));
        BufferedImage empty = read(Heatmap.render(null, null, null, xs, edges, new double[4][4], null, 400, 300));
        assertEquals(400, full.getWidth());
        assertEquals(300, full.getHeight());
        // The colour bar alone is coloured in both; the cells add area only where counts are positive.
        int cells = coloured(full) - coloured(empty);
        assertTrue(cells > 1000, "filled cells cover only " + cells + " coloured pixels");
    }

    @Test void binsSitWhereTheirEdgesSay() throws Exception {
        // Only the lowest of four bins is filled: colour at the plot's bottom, none at its top.
        int w = 400, h = 300;
        BufferedImage img = read(Heatmap.render(null, null, null, new double[]{0, 1}, new double[]{0, 1, 2, 3, 4},
                new double[][]{{5, 0, 0, 0}, {5, 0, 0, 0}}, null, w, h));
        int x = Heatmap.LEFT + 20, bottom = h - Heatmap.BOTTOM - 3, top = Heatmap.TOP + 3;
        assertTrue(isColoured(img.getRGB(x, bottom)), "bottom bin not drawn at the bottom");
        assertTrue(!isColoured(img.getRGB(x, top)), "something drawn in the empty top bin");
    }

    private static boolean isColoured(int p) {
        int r = (p >> 16) & 255, g = (p >> 8) & 255, b = p & 255;
        return Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60;
    }

    @Test void rejectsMismatchedShapes() {
        assertThrows(IllegalArgumentException.class, () ->
                Heatmap.render(null, null, null, new double[]{0, 1}, new double[]{0, 1, 2}, new double[1][2], null, 400, 300));
        assertThrows(IllegalArgumentException.class, () ->
                Heatmap.render(null, null, null, new double[]{0}, new double[]{0, 1, 2}, new double[1][3], null, 400, 300));
    }
}
