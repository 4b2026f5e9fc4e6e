package dev.groklab.backend.cuda;

import dev.groklab.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Without a usable GPU (CI, this build machine) the backend says why in one line: the probe,
 * `groklab devices`, and `groklab train --backend cuda` (exit 2, nothing written).
 */
class CudaUnavailableTest {
    private static boolean libcudaPresent() {
        try {
            SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Test void probeGivesAOneLineReason() {
        for (String driver : new String[]{"ffm", "jcuda"}) {
            CudaBackend.Availability a = CudaBackend.probe(driver);
            assumeFalse(a.available(), "a GPU is present");
            assertFalse(a.reason().isBlank());
            assertFalse(a.reason().contains("\n"), "reason spans lines: " + a.reason());
            assertEquals("unavailable: " + a.reason(), a.line());
            assertNull(a.description());
            if (!libcudaPresent()) assertEquals("libcuda.so.1 not found", a.reason(), driver);
        }
        CudaBackend.Availability bogus = CudaBackend.probe("nonsense");
        assertFalse(bogus.available());
        assertTrue(bogus.reason().contains("ffm, jcuda"), bogus.reason());
    }

    @Test void devicesCommandPrintsTheReason() {
        CudaBackend.Availability a = CudaBackend.probe();
        assumeFalse(a.available(), "a GPU is present");
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = Main.run(new PrintWriter(new StringWriter()), "devices");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code);
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("cuda     unavailable: " + a.reason()), out);
    }

    @Test void trainWithTheCudaBackendExitsTwo(@TempDir Path tmp) {
        CudaBackend.Availability a = CudaBackend.probe();
        assumeFalse(a.available(), "a GPU is present");
        for (String backend : new String[]{"cuda", "cuda:0"}) {
            StringWriter err = new StringWriter();
            Path out = tmp.resolve("run-" + backend.replace(':', '-'));
            int code = Main.run(new PrintWriter(err, true), "train", "--backend", backend, "--steps", "5", "--p", "7",
                    "--model", "mlp", "--out", out.toString(), "--quiet");
            assertEquals(2, code, err.toString());
            assertTrue(err.toString().contains("--backend " + backend + ": unavailable: " + a.reason()), err.toString());
            assertFalse(Files.exists(out.resolve("config.json")), "a run directory was written");
        }
        StringWriter err = new StringWriter();
        assertEquals(2, Main.run(new PrintWriter(err, true), "train", "--backend", "cuda:x", "--steps", "5", "--quiet"));
        assertTrue(err.toString().contains("cuda:N"), err.toString());
    }
}
