package dev.groklab.backend.opencl;

import dev.groklab.backend.Backends;
import dev.groklab.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Discovery, device choice, registration, and the command line's view of OpenCL. */
class OpenClDevicesTest {
    @Test void discoveryListsDevicesAndPicksTheBest() {
        OpenClBackend be = OpenClTesting.backend();
        OpenClPlatforms.Discovery d = OpenClPlatforms.discover();
        assertTrue(d.available() && !d.devices().isEmpty());
        for (OpenClPlatforms.DeviceInfo i : d.devices()) {
            assertTrue(i.globalMemBytes() > 0 && i.computeUnits() > 0 && i.maxWorkGroupSize() > 0, i.describe());
            assertTrue(i.describe().contains(i.id()) && i.describe().contains("compute units") && i.describe().contains("OpenCL"), i.describe());
        }
        OpenClPlatforms.DeviceInfo best = OpenClPlatforms.best(d.devices());
        for (OpenClPlatforms.DeviceInfo i : d.devices()) {
            assertTrue(!i.isGpu() || best.isGpu(), "a GPU exists, so the best device is one");
        }
        assertEquals(best.id(), be.device().name());
        assertSame(be, OpenClBackend.open(best.id()), "one backend per device");
        assertSame(be, Backends.of(be.device()), "registered for its device");
    }

    @Test void unknownDevicesAreUnavailable() {
        OpenClTesting.backend();
        var e = assertThrows(OpenClException.Unavailable.class, () -> OpenClBackend.open("opencl:9:9"));
        assertTrue(e.reason().contains("no device opencl:9:9"), e.reason());
        e = assertThrows(OpenClException.Unavailable.class, () -> OpenClBackend.open("opencl:x"));
        assertTrue(e.reason().contains("opencl:P:D"), e.reason());
    }

    @Test void commandLineListsDevicesAndRejectsMissingOnes(@TempDir Path tmp) {
        OpenClBackend be = OpenClTesting.backend();
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run("devices");
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.contains("opencl   available") && out.contains(be.device().name()) && out.contains("compute units")
                && out.contains("work-group"), out);
        assertTrue(out.contains("cuda     unavailable"), out);

        StringWriter sw = new StringWriter();
        code = Main.run(new PrintWriter(sw, true), "train", "--backend", "opencl:9:9", "--steps", "1", "--out", tmp.resolve("r").toString());
        assertEquals(2, code, sw.toString());
        assertTrue(sw.toString().contains("unavailable: no device opencl:9:9"), sw.toString());
    }

    @Test void commandLineTrainsAndResumesOnOpenCl(@TempDir Path tmp) {
        OpenClTesting.backend();
        Path out = tmp.resolve("run");
        StringWriter sw = new StringWriter();
        int code = Main.run(new PrintWriter(sw, true), "train", "--backend", "opencl", "--model", "mlp", "--p", "23", "--frac", "0.5",
                "--hidden", "32", "--embed", "8", "--steps", "20", "--eval-every", "10", "--checkpoint-every", "10", "--seeds", "2",
                "--quiet", "--out", out.toString());
        assertEquals(0, code, sw.toString());
        // resuming restores the checkpoint's host tensors into device tensors
        code = Main.run(new PrintWriter(sw, true), "train", "--resume", out.toString(), "--steps", "30", "--quiet");
        assertEquals(0, code, sw.toString());
    }
}
