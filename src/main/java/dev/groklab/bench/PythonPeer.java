package dev.groklab.bench;

import dev.groklab.io.Json;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a peer script of {@code bench/peers/} with the system Python (where Debian's
 * {@code python3-torch} lives) and returns its output; a missing interpreter or script, or a
 * failed run, is printed as one line and gives null, so a benchmark goes on without its peer.
 */
final class PythonPeer {
    static final Path PYTHON = Path.of("/usr/bin/python3");

    private PythonPeer() {}

    /** The script's standard output and error, or null after printing why there is none. */
    static String run(String label, Path script, List<String> args, PrintWriter out) {
        if (!Files.isExecutable(PYTHON) || !Files.exists(script)) {
            out.println(label + " unavailable (" + (Files.exists(script) ? "no " + PYTHON : script + " not found") + ")");
            return null;
        }
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script.toString()));
        cmd.addAll(args);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                out.println(label + " failed: " + lastLine(text));
                return null;
            }
            return text;
        } catch (Exception e) {
            out.println(label + " failed: " + e.getMessage());
            return null;
        }
    }

    /**
     * The number under {@code field} in the JSON object the script prints last, or NaN after
     * printing why there is none.
     */
    static double number(String label, Path script, List<String> args, String field, PrintWriter out) {
        String text = run(label, script, args, out);
        if (text == null) return Double.NaN;
        try {
            return Json.parse(lastLine(text)).get(field).asDouble();
        } catch (Exception e) {
            out.println(label + " failed: " + e.getMessage());
            return Double.NaN;
        }
    }

    /** The last non-blank line (where the peers print their JSON result). */
    static String lastLine(String text) {
        return text.strip().lines().reduce((a, b) -> b).orElse("");
    }
}
