package dev.groklab.walkers;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PotentialTest {
    private static void checkGradient(Potential u) {
        PotentialForm f = u.form();
        float[] g = new float[2];
        java.util.Random r = new java.util.Random(1);
        for (int k = 0; k < 200; k++) {
            float x0 = (float) (r.nextDouble() * 2 - 1), x1 = (float) (r.nextDouble() * 2 - 1);
            double h = 1e-5;
            double d0 = (f.value(x0 + h, x1) - f.value(x0 - h, x1)) / (2 * h);
            double d1 = (f.value(x0, x1 + h) - f.value(x0, x1 - h)) / (2 * h);
            // Skip points within h of a kink (a tie between valleys), where U is not differentiable.
            if (Math.abs(f.value(x0 + h, x1) - 2 * f.value(x0, x1) + f.value(x0 - h, x1)) > 1e-6 * (1 + Math.abs(d0))
                    && !(u instanceof Potential.Paraboloid)) continue;
            f.gradient(x0, x1, g);
            double scale = 1 + Math.abs(d0) + Math.abs(d1);
            assertEquals(d0, g[0], 1e-4 * scale, u + " d/dx0 at " + x0 + "," + x1);
            assertEquals(d1, g[1], 1e-4 * scale, u + " d/dx1 at " + x0 + "," + x1);
        }
    }

    @Test void gradientsMatchFiniteDifferences() {
        checkGradient(new Potential.Paraboloid(3f));
        checkGradient(new Potential.Valley(2f, 0.3f));
        checkGradient(new Potential.Crossing(5f, -0.2f));
        checkGradient(new Potential.Lines(4f, 0.1f, 5));
        checkGradient(Potential.of("crossing", 100f, 0f, 2, 5f, -1f, -1f));
    }

    @Test void valuesOfTheToyPotentials() {
        assertEquals(3 * 0.25, new Potential.Crossing(3f, 0f).value(0.5, 0.9), 1e-12);
        assertEquals(2 * (0.25 + 1), new Potential.Paraboloid(2f).value(0.5, -1), 1e-12);
        assertEquals(2 * 0.04, new Potential.Valley(2f, 0.3f).value(0.5, 7), 1e-6);
        // Regularizer: λ/2·‖x − c‖² added to the base.
        assertEquals(0 + 2.5 * 2, Potential.of("crossing", 100f, 0f, 2, 5f, -1f, -1f).value(0, 0), 1e-12);
        // Three lines through the origin with normals at 0°, 60°, 120°: zero along each line.
        Potential l3 = new Potential.Lines(1f, 0f, 3);
        assertEquals(0, l3.value(0, 2), 1e-6);
        assertEquals(0, l3.value(-Math.sin(Math.PI / 3), Math.cos(Math.PI / 3)), 1e-6);
        assertEquals(0.25, l3.value(1, 0), 1e-6);
    }
}
