package dev.groklab.experiments;

import dev.groklab.backend.Backend;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Where and how an experiment runs.
 *
 * @param steps 0 for the experiment's own length; otherwise the main phase's step count
 * @param quick the reduced size: fewer steps, fewer grid points, small models (seconds to minutes on two cores)
 * @param seed  offsets every seed the experiment uses, for independent repeats
 */
public record ExperimentContext(Backend backend, Path dir, int steps, boolean quick, long seed, PrintStream log) {
    /** The step count of a phase: the override if given, else quick or full. */
    public int steps(int full, int quickSteps) {
        return steps > 0 ? steps : quick ? quickSteps : full;
    }

    /** A sub-directory for one run of the experiment. */
    public Path sub(String name) { return dir.resolve(name); }
}
