package dev.groklab.experiments;

import java.util.List;
import java.util.Optional;

/** The registry of experiments, in the order `groklab experiment --list` prints them. */
public final class Experiments {
    private Experiments() {}

    public static List<Experiment> all() {
        return List.of(new LowLossExperiment(), new LrJumpExperiment(), new SaliencyExperiment(),
                new OmnigrokMnist(), new OmnigrokAlpha(), new OmnigrokModAddSphere());
    }

    public static Optional<Experiment> find(String name) {
        return all().stream().filter(e -> e.name().equals(name)).findFirst();
    }

    public static String names() {
        return String.join(", ", all().stream().map(Experiment::name).toList());
    }
}
