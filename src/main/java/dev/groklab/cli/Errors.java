package dev.groklab.cli;

import picocli.CommandLine;

/**
 * Turns failures into one clear line on stderr. Bad input (usage errors and
 * IllegalArgumentException from validation) exits 2; anything else exits 1 with its message.
 */
final class Errors implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    static final int BAD_INPUT = 2;

    @Override public int handleParseException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        cl.getErr().println("groklab: " + ex.getMessage());
        cl.getErr().println("Run '" + cl.getCommandSpec().qualifiedName() + " --help' for the options.");
        return BAD_INPUT;
    }

    @Override public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        if (ex instanceof IllegalArgumentException || ex instanceof BadInput) {
            cl.getErr().println("groklab " + cl.getCommandSpec().name() + ": " + ex.getMessage());
            return BAD_INPUT;
        }
        cl.getErr().println("groklab " + cl.getCommandSpec().name() + ": " + ex);
        if (Boolean.getBoolean("groklab.trace")) ex.printStackTrace(cl.getErr());
        return 1;
    }

    /** A user error detected by a command: exit code 2 with this one-line message. */
    static final class BadInput extends RuntimeException {
        BadInput(String message) { super(message); }
    }
}
