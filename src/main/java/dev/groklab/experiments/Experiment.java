package dev.groklab.experiments;

import java.io.IOException;
import java.util.Map;

/**
 * A named, reproducible experiment from the seeds: it runs into {@link ExperimentContext#dir()},
 * writes its plots there, and returns the summary that is saved as {@code summary.json}.
 */
public interface Experiment {
    /** The name `groklab experiment NAME` takes. */
    String name();

    /** One line for `groklab experiment --list`. */
    String description();

    /** Runs the experiment (shortened as the context asks) and returns its summary. */
    Map<String, Object> run(ExperimentContext ctx) throws IOException;
}
