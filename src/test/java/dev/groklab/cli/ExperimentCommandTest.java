package dev.groklab.cli;

import dev.groklab.experiments.Experiment;
import dev.groklab.experiments.Experiments;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExperimentCommandTest {
    @Test void listNamesEveryExperimentWithItsDescription() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        int code;
        try {
            code = Main.run(new PrintWriter(new StringWriter(), true), "experiment", "--list");
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code);
        String out = buf.toString();
        assertTrue(Experiments.all().size() >= 6, "the seeds' presets are registered");
        for (Experiment e : Experiments.all()) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith(e.name() + " ") && l.contains(e.description())), e.name() + ": " + out);
        }
    }

    @Test void unknownOrMissingNameExitsTwoWithTheAllowedNames(@TempDir Path tmp) {
        for (String[] args : new String[][]{{"experiment", "grokk", "--out", tmp.resolve("x").toString()}, {"experiment"}}) {
            StringWriter err = new StringWriter();
            assertEquals(2, Main.run(new PrintWriter(err, true), args));
            String first = err.toString().strip().lines().findFirst().orElse("");
            assertTrue(first.contains("NAME") && first.contains("lr-jump") && first.contains("saliency"), err.toString());
        }
        assertFalse(Files.exists(tmp.resolve("x")), "nothing is written for bad input");
    }
}
