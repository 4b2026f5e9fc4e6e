package dev.groklab.walkers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValidationTest {
    private static WalkConfig cfg(String dyn, String pot, int walkers, float dt, float t, boolean torus, float l) {
        return new WalkConfig("test", dyn, pot, walkers, 100, dt, t, 1f, 0f, 0f, new float[]{0, 0}, 0.01f, 0f,
                torus, l, 2, 0, 0.1f, 16, 0, 0, 5, 9, "simd");
    }

    private static void rejects(Executable e, String... words) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        String m = ex.getMessage();
        assertFalse(m.contains("\n"), "one line: " + m);
        for (String w : words) assertTrue(m.contains(w), "'" + m + "' should mention " + w);
    }

    @Test void badValuesNameTheOptionAndWhatIsAllowed() {
        rejects(() -> cfg("brownian", "crossing", 10, 1e-3f, 0f, true, 1f), "--temperature", "> 0");
        rejects(() -> cfg("brownian", "crossing", 10, 1e-3f, -2f, true, 1f), "--temperature", "> 0");
        rejects(() -> cfg("hmc", "crossing", 10, 1e-3f, 0f, true, 1f), "--temperature");
        rejects(() -> cfg("brownian", "crossing", 10, 0f, 1f, true, 1f), "--dt", "> 0");
        rejects(() -> cfg("brownian", "crossing", 10, -1e-3f, 1f, true, 1f), "--dt");
        rejects(() -> cfg("brownian", "crossing", 0, 1e-3f, 1f, true, 1f), "--walkers", "> 0");
        rejects(() -> cfg("brownian", "crossing", -5, 1e-3f, 1f, true, 1f), "--walkers");
        rejects(() -> cfg("brownian", "saddle", 10, 1e-3f, 1f, true, 1f), "--potential", "crossing", "paraboloid", "valley", "lines", "saddle");
        rejects(() -> cfg("langevin", "crossing", 10, 1e-3f, 1f, true, 1f), "--dynamics", "brownian|sgd|hmc|graph");
        rejects(() -> cfg("brownian", "crossing", 10, 1e-3f, 1f, true, 0f), "--torus", "> 0");
        rejects(() -> cfg("brownian", "crossing", 10, 1e-3f, 1f, false, -1f), "--box", "> 0");
        rejects(() -> cfg("brownian", "crossing", 10, 1e-3f, 1f, true, Float.NaN), "--torus");
        rejects(() -> new Potential.Lines(1f, 0f, 1), "--lines", "2..");
        rejects(() -> new GraphWalk(2, 2, 0), "--nodes", "3..");
        rejects(() -> LangevinStep.brownian(new Potential.Crossing(1f, 0f), Domain.torus(1f), 1e-3f, 0f, 0), "--temperature");
        rejects(() -> new Walkers(0), "--walkers");
    }

    @Test void sgdIgnoresTemperatureButChecksBeta() {
        cfg("sgd", "crossing", 10, 1e-3f, 0f, false, 1f);
        rejects(() -> new WalkConfig("t", "sgd", "crossing", 10, 100, 1e-3f, 0f, 1f, 0f, 0f, new float[]{0, 0}, 0.01f, 1f,
                false, 1f, 2, 0, 0.1f, 16, 0, 0, 5, 9, "simd"), "--beta", "[0, 1)");
    }

    @Test void aChosenKernelIsRefusedForDynamicsThatDoNotStepThroughOne() {
        WalkConfig hmc = new WalkConfig("custom", "hmc", "paraboloid", 4, 2, 0.1f, 1f, 1f, 0f, 0f, new float[]{0f, 0f},
                0.01f, 0f, false, 2f, 2, 0, 0.1f, 8, 0, 0, 2, 33, "auto");
        String m = assertThrows(IllegalArgumentException.class, () -> Walk.run(hmc, BrownianKernelReference.INSTANCE)).getMessage();
        assertTrue(m.contains("hmc") && m.contains("brownian and sgd"), m);
        assertTrue(Walk.run(hmc).summary().acceptanceRate() != null);
    }
}
