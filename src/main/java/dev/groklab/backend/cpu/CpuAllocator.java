package dev.groklab.backend.cpu;

import dev.groklab.tensor.CpuStorage;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A caching allocator for host memory: released segments wait in per-size free lists and are
 * handed out again, so a loop that allocates the same shapes every step reaches a fixed
 * footprint after its first step. Segments are 64-byte aligned (cache line, widest vector).
 */
public final class CpuAllocator {
    public static final long ALIGN = 64;
    private static final Arena ARENA = Arena.ofAuto();

    private final Map<Long, ArrayDeque<MemorySegment>> free = new HashMap<>();
    private long reservedBytes;

    public synchronized CpuStorage allocate(long bytes) {
        long size = Math.max(ALIGN, (bytes + ALIGN - 1) / ALIGN * ALIGN);
        ArrayDeque<MemorySegment> q = free.get(size);
        MemorySegment seg = q == null ? null : q.poll();
        if (seg == null) {
            try {
                seg = ARENA.allocate(size, ALIGN);
            } catch (OutOfMemoryError e) {
                throw new OutOfMemoryError("cpu: cannot allocate " + size + " bytes (" + reservedBytes + " already reserved)");
            }
            reservedBytes += size;
        }
        MemorySegment whole = seg;
        return new CpuStorage(seg.asSlice(0, bytes), s -> release(whole));
    }

    private synchronized void release(MemorySegment whole) {
        free.computeIfAbsent(whole.byteSize(), s -> new ArrayDeque<>()).push(whole);
    }

    /** Bytes obtained from the system so far (the pool never shrinks). */
    public synchronized long reservedBytes() { return reservedBytes; }
}
