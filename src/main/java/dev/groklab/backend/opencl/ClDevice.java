package dev.groklab.backend.opencl;

import dev.groklab.tensor.Device;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.jocl.CL.*;

/**
 * One device's context and its single in-order command queue, with kernel launches, transfers,
 * the buffer pool and the program cache. Kernels run asynchronously; reads block. Host data for
 * non-blocking uploads is staged in direct buffers kept alive until the queue next drains.
 */
final class ClDevice {
    /** A __local kernel argument of this many bytes. */
    record Local(long bytes) {}

    private static final long MAX_PENDING_BYTES = 256L << 20;
    /** Host transfers go in pieces: a ByteBuffer (what JOCL takes) spans less than 2 GiB. Tests lower it. */
    static volatile long chunkBytes = 1L << 28;
    /** With -Dgroklab.opencl.profile=true every launch waits, and time per kernel is printed at exit. */
    private static final boolean PROFILE = Boolean.getBoolean("groklab.opencl.profile");
    private final java.util.Map<String, long[]> profile = new java.util.TreeMap<>();

    final OpenClPlatforms.DeviceInfo info;
    final Device device;
    final cl_context context;
    final cl_command_queue queue;
    final ClMemoryPool pool;
    final ClPrograms programs;
    private final cl_mem errorFlag;
    private final ByteBuffer errorHost = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
    private final List<ByteBuffer> pending = new ArrayList<>();
    private long pendingBytes;

    ClDevice(OpenClPlatforms.DeviceInfo info, Device device) {
        this.info = info;
        this.device = device;
        int[] err = new int[1];
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, info.platformId());
        context = clCreateContext(props, 1, new cl_device_id[]{info.deviceId()}, null, null, err);
        if (err[0] != CL_SUCCESS) {
            throw new OpenClException.Unavailable("cannot create a context on " + info.id() + " (" + info.name().trim() + "): "
                    + OpenClPlatforms.errorName(err[0]));
        }
        @SuppressWarnings("deprecation")
        cl_command_queue q = clCreateCommandQueue(context, info.deviceId(), 0, err);
        if (err[0] != CL_SUCCESS) {
            clReleaseContext(context);
            throw new OpenClException.Unavailable("cannot create a command queue on " + info.id() + " (" + info.name().trim() + "): "
                    + OpenClPlatforms.errorName(err[0]));
        }
        queue = q;
        pool = new ClMemoryPool(context, device, info);
        programs = new ClPrograms(context, info.deviceId(), info.id() + " (" + info.name().trim() + ")");
        errorFlag = clCreateBuffer(context, CL_MEM_READ_WRITE, 16, null, err);
        if (err[0] != CL_SUCCESS) throw new OpenClException.Unavailable("cannot allocate on " + info.id() + ": " + OpenClPlatforms.errorName(err[0]));
        clearErrorFlag();
        if (PROFILE) Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.print(profileReport())));
    }

    cl_mem errorFlag() { return errorFlag; }

    cl_kernel kernel(String file, String name) { return programs.kernel(file, name, ""); }

    /** Enqueues a kernel; arguments are Integer, Float, cl_mem, ClStorage, int[8] (an int8), float[16] (a float16) or Local. */
    synchronized void launch(String name, cl_kernel k, long[] global, long[] local, Object... args) {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            int rc = switch (a) {
                case Integer v -> clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[]{v}));
                case Float v -> clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[]{v}));
                case cl_mem m -> clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(m));
                case ClStorage s -> clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(s.mem()));
                case int[] v -> clSetKernelArg(k, i, (long) Sizeof.cl_int * v.length, Pointer.to(v));
                case float[] v -> clSetKernelArg(k, i, (long) Sizeof.cl_float * v.length, Pointer.to(v));
                case Local l -> clSetKernelArg(k, i, l.bytes(), null);
                default -> throw new IllegalStateException("kernel " + name + ": unsupported argument " + a);
            };
            if (rc != CL_SUCCESS) {
                throw new OpenClException("opencl: kernel " + name + ": setting argument " + i + " failed: " + OpenClPlatforms.errorName(rc));
            }
        }
        long t0 = PROFILE ? System.nanoTime() : 0;
        int rc = clEnqueueNDRangeKernel(queue, k, global.length, null, global, local, 0, null, null);
        if (rc != CL_SUCCESS) {
            throw new OpenClException("opencl: kernel " + name + " failed to launch on " + info.id() + ": " + OpenClPlatforms.errorName(rc)
                    + " (global " + java.util.Arrays.toString(global) + ", local " + java.util.Arrays.toString(local) + ")");
        }
        if (PROFILE) {
            clFinish(queue);
            long[] e = profile.computeIfAbsent(name, n -> new long[2]);
            e[0]++;
            e[1] += System.nanoTime() - t0;
        }
    }

    /** Calls and milliseconds per kernel name, when profiling. */
    synchronized String profileReport() {
        StringBuilder sb = new StringBuilder("opencl kernel profile (" + info.id() + "):\n");
        profile.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1])).forEach(e ->
                sb.append(String.format("  %-28s %8d calls %10.1f ms%n", e.getKey(), e.getValue()[0], e.getValue()[1] / 1e6)));
        return sb.toString();
    }

    /** Device-side copy between (non-overlapping) buffer ranges. */
    synchronized void copyBuffer(cl_mem src, long srcOffset, cl_mem dst, long dstOffset, long bytes) {
        if (bytes == 0) return;
        int rc = clEnqueueCopyBuffer(queue, src, dst, srcOffset, dstOffset, bytes, 0, null, null);
        if (rc != CL_SUCCESS) throw new OpenClException("opencl: copy of " + bytes + " bytes failed: " + OpenClPlatforms.errorName(rc));
    }

    /** A direct, native-order buffer for staging host data. */
    static ByteBuffer staging(long bytes) {
        if (bytes > chunkBytes) throw new IllegalArgumentException("staging: " + bytes + " bytes exceed one chunk");
        return ByteBuffer.allocateDirect((int) Math.max(bytes, 4)).order(ByteOrder.nativeOrder());
    }

    /** Enqueues an upload without waiting; the staging buffer stays referenced until the queue drains. */
    synchronized void writeAsync(cl_mem mem, long byteOffset, ByteBuffer data, long bytes) {
        if (bytes == 0) return;
        int rc = clEnqueueWriteBuffer(queue, mem, false, byteOffset, bytes, Pointer.to(data), 0, null, null);
        if (rc != CL_SUCCESS) throw new OpenClException("opencl: upload of " + bytes + " bytes failed: " + OpenClPlatforms.errorName(rc));
        pending.add(data);
        pendingBytes += bytes;
        if (pendingBytes > MAX_PENDING_BYTES) finish();
    }

    /** Uploads host memory and waits, so the caller may free it right after. */
    synchronized void writeBlocking(cl_mem mem, long byteOffset, MemorySegment data) {
        long bytes = data.byteSize();
        if (bytes == 0) return;
        enqueueFlagRead();
        for (long done = 0; done < bytes; done += chunkBytes) {
            long n = Math.min(chunkBytes, bytes - done);
            int rc = clEnqueueWriteBuffer(queue, mem, true, byteOffset + done, n, Pointer.to(data.asSlice(done, n).asByteBuffer()),
                    0, null, null);
            if (rc != CL_SUCCESS) throw new OpenClException("opencl: upload of " + n + " bytes failed: " + OpenClPlatforms.errorName(rc));
        }
        drained();
    }

    /** Reads into host memory and waits; then reports any bad index a kernel found. */
    synchronized void read(cl_mem mem, long byteOffset, MemorySegment into) {
        long bytes = into.byteSize();
        if (bytes == 0) { finish(); return; }
        enqueueFlagRead();
        for (long done = 0; done < bytes; done += chunkBytes) {
            long n = Math.min(chunkBytes, bytes - done);
            int rc = clEnqueueReadBuffer(queue, mem, true, byteOffset + done, n, Pointer.to(into.asSlice(done, n).asByteBuffer()),
                    0, null, null);
            if (rc != CL_SUCCESS) throw new OpenClException("opencl: download of " + n + " bytes failed: " + OpenClPlatforms.errorName(rc));
        }
        drained();
    }

    /** Waits for every queued command; then reports any bad index a kernel found. */
    synchronized void finish() {
        enqueueFlagRead();
        int rc = clFinish(queue);
        if (rc != CL_SUCCESS) throw new OpenClException("opencl: clFinish failed on " + info.id() + ": " + OpenClPlatforms.errorName(rc));
        drained();
    }

    private void drained() {
        pending.clear();
        pendingBytes = 0;
        checkErrorFlag();
    }

    /** Queued ahead of a blocking command, so the flag is read by the time that command returns. */
    private void enqueueFlagRead() {
        errorHost.clear();
        int rc = clEnqueueReadBuffer(queue, errorFlag, false, 0, 12, Pointer.to(errorHost), 0, null, null);
        if (rc != CL_SUCCESS) throw new OpenClException("opencl: reading the error flag failed: " + OpenClPlatforms.errorName(rc));
    }

    private void checkErrorFlag() {
        int code = errorHost.getInt(0);
        if (code == 0) return;
        int value = errorHost.getInt(4), bound = errorHost.getInt(8);
        clearErrorFlag();
        String what = switch (code) {
            case 1 -> "gather: index " + value + " outside [0, " + bound + ")";
            case 2 -> "scatterAdd: index " + value + " outside [0, " + bound + ")";
            case 3 -> "crossEntropy: target " + value + " outside [0, " + bound + ")";
            default -> "kernel error code " + code;
        };
        throw new IllegalArgumentException(what + " (found on " + info.id() + " by a kernel queued before this synchronization)");
    }

    private void clearErrorFlag() {
        ByteBuffer zeros = staging(16);
        int rc = clEnqueueWriteBuffer(queue, errorFlag, true, 0, 16, Pointer.to(zeros), 0, null, null);
        if (rc != CL_SUCCESS) throw new OpenClException("opencl: clearing the error flag failed: " + OpenClPlatforms.errorName(rc));
    }
}
