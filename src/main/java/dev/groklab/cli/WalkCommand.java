package dev.groklab.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Loss-landscape walkers (being filled in). */
@Command(name = "walk", mixinStandardHelpOptions = true, description = "Loss-landscape walkers.")
public final class WalkCommand implements Callable<Integer> {
    @Override public Integer call() { return 0; }
}
