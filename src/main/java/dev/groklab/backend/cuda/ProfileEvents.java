package dev.groklab.backend.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * The events of one {@link CudaBackend#profile} call: the first two bracket the spin kernel, then
 * one follows every profiled operation, so operation i's time is the gap between events i + 1 and
 * i + 2.
 */
final class ProfileEvents implements AutoCloseable {
    private final CudaDriver driver;
    private final long stream;
    private final List<Long> events = new ArrayList<>();
    private final List<String> names = new ArrayList<>(), details = new ArrayList<>();

    ProfileEvents(CudaDriver driver, long stream) {
        this.driver = driver;
        this.stream = stream;
    }

    /** Records an event at the current end of the stream. */
    void mark() {
        long e = driver.eventCreate(0);
        events.add(e);
        driver.eventRecord(e, stream);
    }

    /** Marks the end of an operation just enqueued. */
    void after(String name, String detail) {
        names.add(name);
        details.add(detail);
        mark();
    }

    /** The timings, once the stream has completed every recorded event. */
    KernelProfile profile(double enqueueMs) {
        List<KernelProfile.Op> ops = new ArrayList<>(names.size());
        for (int i = 0; i < names.size(); i++) {
            ops.add(new KernelProfile.Op(names.get(i), details.get(i), driver.eventElapsedMs(events.get(i + 1), events.get(i + 2))));
        }
        return new KernelProfile(ops, driver.eventElapsedMs(events.get(0), events.get(1)), enqueueMs);
    }

    @Override public void close() {
        for (long e : events) driver.eventDestroy(e);
        events.clear();
    }
}
