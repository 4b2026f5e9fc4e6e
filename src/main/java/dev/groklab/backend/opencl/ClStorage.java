package dev.groklab.backend.opencl;

import dev.groklab.tensor.Device;
import dev.groklab.tensor.Storage;
import org.jocl.cl_mem;

/**
 * Device memory: a cl_mem buffer handed back to its pool on release. An I32 storage uploaded from
 * the host may keep a host copy of its values ({@link #hostInts}), so index checks can fail at
 * once without a device round trip; any device write to the storage drops it.
 */
public final class ClStorage extends Storage {
    private final cl_mem mem;
    private final long capacity;
    private final ClMemoryPool pool;
    private volatile int[] hostInts;

    ClStorage(Device device, cl_mem mem, long bytes, long capacity, ClMemoryPool pool) {
        super(device, bytes);
        this.mem = mem;
        this.capacity = capacity;
        this.pool = pool;
    }

    public cl_mem mem() { return mem; }

    int[] hostInts() { return hostInts; }

    void hostInts(int[] values) { hostInts = values; }

    @Override protected void free() {
        hostInts = null;
        pool.release(mem, capacity);
    }
}
