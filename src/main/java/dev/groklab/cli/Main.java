package dev.groklab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The groklab command line: a thin layer over experiments, benchmarks and device queries. */
@Command(name = "groklab",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Grokking and loss-landscape research engine: tensors, autodiff, SIMD/OpenCL/CUDA kernels.",
        subcommands = {GrokCommand.class, TrainCommand.class, ExperimentCommand.class, WalkCommand.class, DevicesCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (2 for bad input). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** Runs a command line with its error stream captured (for tests). */
    public static int run(java.io.PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setErr(err);
        for (CommandLine sub : cl.getSubcommands().values()) sub.setErr(err);
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new Errors());
        cl.setParameterExceptionHandler(new Errors());
        return cl;
    }

    @Override public void run() {
        spec.commandLine().usage(System.out);
    }
}
