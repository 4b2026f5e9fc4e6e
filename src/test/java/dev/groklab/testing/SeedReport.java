package dev.groklab.testing;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Adds the seeds a failing test drew from {@link Check#rng()} to its failure message, so a failure
 * on random inputs can be replayed with {@code -Dgroklab.test.seed=a,b,...}. Registered for every
 * test through the service file and {@code junit.jupiter.extensions.autodetection.enabled}.
 */
public final class SeedReport implements BeforeEachCallback, TestExecutionExceptionHandler {
    private static final ThreadLocal<List<Long>> DRAWN = ThreadLocal.withInitial(ArrayList::new);

    static void drawn(long seed) { DRAWN.get().add(seed); }

    /** The seed for the next {@link Check#rng()} call: a fixed one when replaying, else a fresh one. */
    static long next() {
        String fixed = System.getProperty("groklab.test.seed");
        if (fixed == null || fixed.isBlank()) return System.nanoTime();
        String[] seeds = fixed.split(",");
        int i = DRAWN.get().size();
        return Long.parseLong(seeds[Math.min(i, seeds.length - 1)].trim());
    }

    @Override public void beforeEach(ExtensionContext context) { DRAWN.get().clear(); }

    @Override public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        List<Long> seeds = DRAWN.get();
        if (seeds.isEmpty() || !(failure instanceof AssertionError)) throw failure;
        String list = seeds.stream().map(String::valueOf).collect(Collectors.joining(","));
        AssertionError withSeeds = new AssertionError(failure.getMessage() + " [replay with -Dgroklab.test.seed=" + list + "]", failure.getCause());
        withSeeds.setStackTrace(failure.getStackTrace());
        throw withSeeds;
    }
}
