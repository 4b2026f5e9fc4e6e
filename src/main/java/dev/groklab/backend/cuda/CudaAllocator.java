package dev.groklab.backend.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A caching allocator for device memory, like {@code CpuAllocator}: released blocks wait in
 * per-size free lists (last released, first reused) and are handed out again, so a training
 * step that allocates the same shapes every time reaches a fixed footprint after its first step
 * and gets the same addresses, which a captured CUDA graph relies on. Reuse needs no
 * synchronization because every kernel runs on the backend's one stream: work that uses a block
 * after its reuse is ordered after the work that used it before.
 *
 * <p>Sizes round up to 512 bytes (small) or 2 MiB (from 4 MiB up). When the device is out of
 * memory the cached blocks are freed and the allocation tried once more.
 */
final class CudaAllocator {
    static final long ALIGN = 512, LARGE = 4L << 20, LARGE_ALIGN = 2L << 20;

    private final CudaDriver driver;
    private final Map<Long, ArrayDeque<Long>> free = new HashMap<>();
    private long reservedBytes, cachedBytes;

    CudaAllocator(CudaDriver driver) { this.driver = driver; }

    static long blockSize(long bytes) {
        long b = Math.max(bytes, 1);
        return b >= LARGE ? (b + LARGE_ALIGN - 1) / LARGE_ALIGN * LARGE_ALIGN : (b + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** A block of at least {@code bytes}; returns {address, block size}. */
    synchronized long[] allocate(long bytes) {
        long size = blockSize(bytes);
        ArrayDeque<Long> q = free.get(size);
        if (q != null && !q.isEmpty()) {
            cachedBytes -= size;
            return new long[]{q.pop(), size};
        }
        long p;
        try {
            p = driver.memAlloc(size);
        } catch (CudaException e) {
            if (e.code() != 2) throw e;   // CUDA_ERROR_OUT_OF_MEMORY
            trim();
            try {
                p = driver.memAlloc(size);
            } catch (CudaException again) {
                throw new OutOfMemoryError("cuda: cannot allocate " + size + " bytes (" + reservedBytes
                        + " bytes held by this process): " + again.getMessage());
            }
        }
        reservedBytes += size;
        return new long[]{p, size};
    }

    synchronized void release(long pointer, long size) {
        free.computeIfAbsent(size, s -> new ArrayDeque<>()).push(pointer);
        cachedBytes += size;
    }

    /** Returns every cached block to the driver. */
    synchronized void trim() {
        for (var e : free.entrySet()) {
            for (long p : e.getValue()) {
                driver.memFree(p);
                reservedBytes -= e.getKey();
            }
            e.getValue().clear();
        }
        cachedBytes = 0;
    }

    /** Bytes obtained from the driver and not returned. */
    synchronized long reservedBytes() { return reservedBytes; }

    /** Bytes waiting in the free lists. */
    synchronized long cachedBytes() { return cachedBytes; }
}
