package dev.groklab.cli;

import dev.groklab.backend.Backend;
import dev.groklab.experiments.Experiment;
import dev.groklab.experiments.ExperimentContext;
import dev.groklab.experiments.Experiments;
import dev.groklab.io.Json;
import dev.groklab.io.RunDirectory;
import dev.groklab.tensor.Scope;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** `groklab experiment NAME`: one of the seeds' experiments as a named preset. */
@Command(name = "experiment", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a named experiment from the seeds; it writes a run directory with plots and summary.json.",
                "'groklab experiment --list' names them all."})
final class ExperimentCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The experiment (see --list).") String name;

    @Option(names = "--list", description = "Name every experiment with one line on what it does.") boolean list;
    @Option(names = "--quick", description = "Reduced size: fewer steps and grid points, minutes on two cores.") boolean quick;
    @Option(names = "--steps", description = "Steps of the main phase (default: the experiment's own).") Integer steps;
    @Option(names = "--seed", description = "Offset added to every seed the experiment uses (default 0).") long seed;
    @Option(names = "--backend", description = "auto, cpu, opencl[:P:D], cuda (default auto).") String backend;
    @Option(names = "--out", description = "Run directory (default runs/NAME-<time>).") Path out;

    @Override public Integer call() throws Exception {
        if (list || name == null) {
            if (!list) throw new Errors.BadInput("NAME: give an experiment (one of: " + Experiments.names() + ") or --list");
            for (Experiment e : Experiments.all()) System.out.printf("%-22s %s%n", e.name(), e.description());
            return 0;
        }
        Experiment e = Experiments.find(name).orElseThrow(() ->
                new Errors.BadInput("NAME: unknown experiment '" + name + "' (allowed: " + Experiments.names() + ")"));
        if (steps != null && steps < 1) throw new Errors.BadInput("--steps must be >= 1, got " + steps);
        Backend be = BackendChoice.resolve(backend);
        RunDirectory dir = out != null ? RunDirectory.open(out, false) : RunDirectory.create(Path.of("runs"), name);
        ExperimentContext ctx = new ExperimentContext(be, dir.dir(), steps == null ? 0 : steps, quick, seed, System.out);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("experiment", name);
        summary.put("quick", quick);
        summary.put("steps_override", steps);
        summary.put("seed_offset", seed);
        summary.put("backend", be.toString());
        summary.put("git_commit", RunDirectory.gitCommit());
        long t0 = System.nanoTime();
        try (Scope scope = Scope.open()) {
            summary.putAll(e.run(ctx));
        }
        summary.put("seconds", (System.nanoTime() - t0) / 1e9);
        Json.write(dir.summary(), summary);
        System.out.println("run directory: " + dir.dir());
        return 0;
    }
}
