package dev.groklab.backend.opencl;

import dev.groklab.tensor.DType;
import dev.groklab.tensor.Device;
import dev.groklab.tensor.Shapes;
import org.jocl.cl_context;
import org.jocl.cl_mem;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

import static org.jocl.CL.*;

/**
 * A caching allocator for device buffers: released buffers wait in per-size free lists and are
 * handed out again, so a loop allocating the same shapes every step reaches a fixed footprint.
 * Reuse is safe without events because every command goes through one in-order queue: a buffer
 * released after enqueuing its last use is only touched again by commands enqueued later.
 */
final class ClMemoryPool {
    static final long ALIGN = 256;

    private final cl_context context;
    private final Device device;
    private final OpenClPlatforms.DeviceInfo info;
    private final Map<Long, ArrayDeque<cl_mem>> free = new HashMap<>();
    private long reservedBytes, cachedBytes;

    ClMemoryPool(cl_context context, Device device, OpenClPlatforms.DeviceInfo info) {
        this.context = context;
        this.device = device;
        this.info = info;
    }

    synchronized ClStorage allocate(long bytes, DType dtype, int[] shape) {
        long size = Math.max(ALIGN, (bytes + ALIGN - 1) / ALIGN * ALIGN);
        ArrayDeque<cl_mem> q = free.get(size);
        cl_mem mem = q == null ? null : q.poll();
        if (mem != null) {
            cachedBytes -= size;
            return new ClStorage(device, mem, bytes, size, this);
        }
        if (size > info.maxAllocBytes()) throw outOfMemory(bytes, dtype, shape, "more than the largest single allocation of "
                + gib(info.maxAllocBytes()));
        // Drivers may allocate lazily and over-commit, so the budget is enforced here.
        if (reservedBytes + size > info.globalMemBytes()) trim();
        if (reservedBytes + size > info.globalMemBytes()) throw outOfMemory(bytes, dtype, shape, "");
        int[] err = new int[1];
        mem = clCreateBuffer(context, CL_MEM_READ_WRITE, size, null, err);
        if (err[0] != CL_SUCCESS && isOutOfMemory(err[0])) {
            trim();
            mem = clCreateBuffer(context, CL_MEM_READ_WRITE, size, null, err);
        }
        if (err[0] != CL_SUCCESS) {
            if (isOutOfMemory(err[0])) throw outOfMemory(bytes, dtype, shape, OpenClPlatforms.errorName(err[0]));
            throw new OpenClException("opencl: clCreateBuffer of " + size + " bytes failed: " + OpenClPlatforms.errorName(err[0]));
        }
        reservedBytes += size;
        return new ClStorage(device, mem, bytes, size, this);
    }

    private static boolean isOutOfMemory(int code) {
        return code == CL_MEM_OBJECT_ALLOCATION_FAILURE || code == CL_OUT_OF_RESOURCES || code == CL_OUT_OF_HOST_MEMORY;
    }

    private OpenClException.OutOfMemory outOfMemory(long bytes, DType dtype, int[] shape, String detail) {
        return new OpenClException.OutOfMemory(String.format(
                "opencl: out of device memory for %s tensor %s (%s) on %s (%s): the device has %s of global memory, "
                        + "%s held by this process%s", dtype, Shapes.str(shape), gib(bytes), device, info.name().trim(),
                gib(info.globalMemBytes()), gib(reservedBytes), detail.isEmpty() ? "" : "; " + detail));
    }

    static String gib(long bytes) {
        if (bytes >= 1L << 30) return String.format("%.2f GiB", bytes / (double) (1L << 30));
        if (bytes >= 1L << 20) return String.format("%.1f MiB", bytes / (double) (1L << 20));
        return bytes + " bytes";
    }

    synchronized void release(cl_mem mem, long size) {
        free.computeIfAbsent(size, s -> new ArrayDeque<>()).push(mem);
        cachedBytes += size;
    }

    /** Returns every cached buffer to the driver. */
    synchronized void trim() {
        for (ArrayDeque<cl_mem> q : free.values()) {
            for (cl_mem m : q) clReleaseMemObject(m);
        }
        free.clear();
        reservedBytes -= cachedBytes;
        cachedBytes = 0;
    }

    /** Bytes held from the driver (in use plus cached). */
    synchronized long reservedBytes() { return reservedBytes; }
}
