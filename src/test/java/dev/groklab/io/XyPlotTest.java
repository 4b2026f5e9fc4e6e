package dev.groklab.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class XyPlotTest {
    @TempDir Path tmp;

    @Test void drawsLogXSeriesSkippingPointsTheAxisCannotShow() throws Exception {
        double[] a = {0, 0.1, 0.316, 1, 3.16, 10};
        Path png = tmp.resolve("alpha.png");
        XyPlot.write(png, List.of(new XyPlot.Series("train", a, new double[]{1, 0.9, 1, 1, 1, 1}, true),
                new XyPlot.Series("test", a, new double[]{0.5, 0.7, 0.8, 0.78, Double.NaN, 0.55}, false)),
                "sweep", "α", "accuracy", true, false);
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img);
        assertEquals(CurvePlot.WIDTH, img.getWidth());
    }

    @Test void rejectsMismatchedLengths() {
        assertThrows(IllegalArgumentException.class, () -> new XyPlot.Series("x", new double[2], new double[3], false));
        assertThrows(IllegalArgumentException.class, () -> XyPlot.render(List.of(), "t", "x", "y", false, false));
    }
}
