package dev.groklab.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CurvePlotTest {
    @TempDir Path tmp;

    private static CurvePlot.Series grokking(String label, double delay) {
        int n = 200;
        double[] step = new double[n], tra = new double[n], tea = new double[n], trl = new double[n], tel = new double[n], w = new double[n];
        for (int i = 0; i < n; i++) {
            step[i] = Math.round(Math.pow(10, 5.0 * i / (n - 1)));
            double s = step[i];
            tra[i] = 1 / (1 + Math.exp(-(Math.log10(s) - 2.5) * 6));
            tea[i] = 1 / (1 + Math.exp(-(Math.log10(s) - delay) * 6));
            trl[i] = 4.6 * Math.exp(-s / 300) + 1e-4;
            tel[i] = i == 3 ? Double.NaN : 4.6 * Math.exp(-s / 30000) + (s < 1000 ? s / 100 : 0) + 1e-3;
            w[i] = 50 - 20 * tea[i];
        }
        step[0] = 0; // dropped on the log axis
        return new CurvePlot.Series(label, step, tra, tea, trl, tel, w);
    }

    private static BufferedImage checkPng(Path f) throws IOException {
        assertTrue(Files.size(f) > 1000, "non-empty PNG");
        byte[] b = Files.readAllBytes(f);
        assertEquals((byte) 0x89, b[0]);
        assertEquals('P', b[1]);
        assertEquals('N', b[2]);
        assertEquals('G', b[3]);
        BufferedImage img = ImageIO.read(f.toFile());
        assertNotNull(img);
        assertEquals(CurvePlot.WIDTH, img.getWidth());
        assertEquals(3 * CurvePlot.PANEL_HEIGHT, img.getHeight());
        return img;
    }

    @Test void twoModelsHeadless() throws IOException {
        Path f = tmp.resolve("curves.png");
        CurvePlot.write(f, List.of(grokking(null, 4.0), grokking("wd=1", 3.3)), "x+y mod 113");
        checkPng(f);
        assertTrue(GraphicsEnvironment.isHeadless());
    }

    @Test void singlePointAtStepZeroAndMissingMetrics() throws IOException {
        Path f = tmp.resolve("one.png");
        CurvePlot.write(f, List.of(new CurvePlot.Series("only", new double[]{0}, new double[]{0.01}, new double[]{0.02},
                new double[]{4.6}, new double[]{4.7}, new double[]{12})), null);
        checkPng(f);
        Path g = tmp.resolve("sparse.png");
        CurvePlot.write(g, List.of(CurvePlot.Series.of("m", new long[]{5}, null, new double[]{0.5}, null, new double[]{0}, null)), "t");
        checkPng(g);
    }

    @Test void manyModelsCapTheLegend() throws IOException {
        List<CurvePlot.Series> models = new ArrayList<>();
        for (int i = 0; i < 24; i++) models.add(grokking("seed " + i, 3 + i * 0.05));
        Path f = tmp.resolve("many.png");
        CurvePlot.write(f, models, "sweep");
        checkPng(f);
        assertTrue(!CurvePlot.colour(3).equals(CurvePlot.colour(13)));
    }

    @Test void rejectsMismatchedLengths() {
        assertThrows(IllegalArgumentException.class, () -> new CurvePlot.Series("x", new double[]{1, 2}, new double[]{1}, null, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> CurvePlot.write(tmp.resolve("e.png"), List.of(), "t"));
    }
}
