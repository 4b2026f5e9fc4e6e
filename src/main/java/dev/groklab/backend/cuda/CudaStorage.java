package dev.groklab.backend.cuda;

import dev.groklab.tensor.Device;
import dev.groklab.tensor.Storage;

/** Device memory of the CUDA backend: a device address, handed back to its pool on release. */
public final class CudaStorage extends Storage {
    private final long pointer;
    private final long blockBytes;
    private final CudaAllocator pool;

    CudaStorage(Device device, long bytes, long pointer, long blockBytes, CudaAllocator pool) {
        super(device, bytes);
        this.pointer = pointer;
        this.blockBytes = blockBytes;
        this.pool = pool;
    }

    /** The device address of the first byte. */
    public long pointer() { return pointer; }

    @Override protected void free() { pool.release(pointer, blockBytes); }
}
