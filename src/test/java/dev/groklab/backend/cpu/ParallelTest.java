package dev.groklab.backend.cpu;

import dev.groklab.testing.Check;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelTest {
    /** Both splits visit every index of [0, n) exactly once, in chunks no shorter than the grain allows. */
    @Test void everyIndexOnce() {
        Random r = Check.rng();
        for (int trial = 0; trial < 40; trial++) {
            int n = 1 + r.nextInt(trial < 20 ? 50 : 5000), grain = 1 + r.nextInt(20);
            for (boolean stealing : new boolean[]{false, true}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                AtomicInteger chunks = new AtomicInteger();
                Parallel.RangeBody body = (from, to) -> {
                    chunks.incrementAndGet();
                    for (int i = from; i < to; i++) seen.incrementAndGet(i);
                };
                if (stealing) Parallel.rangeStealing(n, grain, body);
                else Parallel.range(n, grain, body);
                for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "n=" + n + " grain=" + grain + " index " + i);
                int most = stealing ? Parallel.threads() * Parallel.STEAL_CHUNKS : Parallel.threads();
                assertTrue(chunks.get() >= 1 && chunks.get() <= Math.min(most, Math.max(1, n / grain)),
                        chunks.get() + " chunks for n=" + n + " grain=" + grain);
            }
        }
    }
}
