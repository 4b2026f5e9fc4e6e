package dev.groklab.backend.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static jcuda.driver.JCudaDriver.*;

/**
 * {@link CudaDriver} over JCuda's driver binding ({@code jcuda.driver.*}, which needs only
 * libcuda.so.1). JCuda wraps handles in objects; this class keeps them in a table and hands out
 * the table index (+1) as the long handle. Device pointers are real device addresses.
 */
final class JCudaDriver implements CudaDriver {
    private static final long CHUNK = 1L << 30;

    private final List<NativePointerObject> handles = new ArrayList<>();
    private final Map<Integer, CUdevice> devices = new HashMap<>();

    /** A device pointer whose address can be read back (JCuda keeps it in a protected field). */
    private static final class DevPtr extends CUdeviceptr {
        long address() { return getNativePointer(); }
    }

    JCudaDriver() {
        try {
            setExceptionsEnabled(false);
        } catch (Throwable t) {
            String why = t.getMessage() == null ? t.toString() : t.getMessage();
            if (why.contains("libcuda.so")) throw new IllegalStateException("libcuda.so.1 not found");
            throw new IllegalStateException("the JCuda native library failed to load: " + why.lines().findFirst().orElse(why));
        }
    }

    private synchronized long register(NativePointerObject o) {
        handles.add(o);
        return handles.size();
    }

    private synchronized <T extends NativePointerObject> T get(long handle, Class<T> type) {
        if (handle == 0) return null;
        return type.cast(handles.get((int) handle - 1));
    }

    private CUstream stream(long h) { return h == 0 ? new CUstream() : get(h, CUstream.class); }

    private static CUdeviceptr dptr(long address) { return new CUdeviceptr().withByteOffset(address); }

    private static void check(String call, int result) {
        if (result != 0) throw new CudaException(call, result, errorNameOf(result));
    }

    private static String errorNameOf(int result) {
        String[] s = new String[1];
        return cuGetErrorName(result, s) == 0 && s[0] != null ? s[0] : "CUDA error " + result;
    }

    private synchronized CUdevice dev(int device) {
        CUdevice d = devices.get(device);
        if (d == null) {
            d = new CUdevice();
            check("cuDeviceGet", cuDeviceGet(d, device));
            devices.put(device, d);
        }
        return d;
    }

    @Override public String name() { return "jcuda"; }

    @Override public void init() { check("cuInit", cuInit(0)); }

    @Override public int driverVersion() {
        int[] v = new int[1];
        check("cuDriverGetVersion", cuDriverGetVersion(v));
        return v[0];
    }

    @Override public int deviceCount() {
        int[] v = new int[1];
        check("cuDeviceGetCount", cuDeviceGetCount(v));
        return v[0];
    }

    @Override public int device(int ordinal) {
        dev(ordinal);
        return ordinal;
    }

    @Override public String deviceName(int device) {
        byte[] b = new byte[256];
        check("cuDeviceGetName", cuDeviceGetName(b, b.length, dev(device)));
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Override public int deviceAttribute(int device, int attribute) {
        int[] v = new int[1];
        check("cuDeviceGetAttribute", cuDeviceGetAttribute(v, attribute, dev(device)));
        return v[0];
    }

    @Override public long deviceTotalMem(int device) {
        long[] v = new long[1];
        check("cuDeviceTotalMem", cuDeviceTotalMem(v, dev(device)));
        return v[0];
    }

    @Override public long primaryContextRetain(int device) {
        CUcontext c = new CUcontext();
        check("cuDevicePrimaryCtxRetain", cuDevicePrimaryCtxRetain(c, dev(device)));
        return register(c);
    }

    @Override public void contextSetCurrent(long context) { check("cuCtxSetCurrent", cuCtxSetCurrent(get(context, CUcontext.class))); }

    @Override public long[] memGetInfo() {
        long[] free = new long[1], total = new long[1];
        check("cuMemGetInfo", cuMemGetInfo(free, total));
        return new long[]{free[0], total[0]};
    }

    @Override public long moduleLoadData(byte[] image) {
        CUmodule m = new CUmodule();
        check("cuModuleLoadData", cuModuleLoadData(m, Arrays.copyOf(image, image.length + 1)));
        return register(m);
    }

    @Override public long moduleGetFunction(long module, String name) {
        CUfunction f = new CUfunction();
        check("cuModuleGetFunction(" + name + ")", cuModuleGetFunction(f, get(module, CUmodule.class), name));
        return register(f);
    }

    @Override public long memAlloc(long bytes) {
        DevPtr p = new DevPtr();
        check("cuMemAlloc(" + bytes + " bytes)", cuMemAlloc(p, bytes));
        return p.address();
    }

    @Override public void memFree(long dptr) { check("cuMemFree", cuMemFree(dptr(dptr))); }

    @Override public void memcpyHtoDAsync(long dst, MemorySegment src, long bytes, long stream) {
        CUstream s = stream(stream);
        for (long at = 0; at < bytes; at += CHUNK) {
            long n = Math.min(CHUNK, bytes - at);
            check("cuMemcpyHtoDAsync", cuMemcpyHtoDAsync(dptr(dst + at), Pointer.to(src.asSlice(at, n).asByteBuffer()), n, s));
        }
    }

    @Override public void memcpyDtoHAsync(MemorySegment dst, long src, long bytes, long stream) {
        CUstream s = stream(stream);
        for (long at = 0; at < bytes; at += CHUNK) {
            long n = Math.min(CHUNK, bytes - at);
            check("cuMemcpyDtoHAsync", cuMemcpyDtoHAsync(Pointer.to(dst.asSlice(at, n).asByteBuffer()), dptr(src + at), n, s));
        }
    }

    @Override public void memcpyDtoDAsync(long dst, long src, long bytes, long stream) {
        check("cuMemcpyDtoDAsync", cuMemcpyDtoDAsync(dptr(dst), dptr(src), bytes, stream(stream)));
    }

    @Override public void memsetD32Async(long dst, int value, long count, long stream) {
        check("cuMemsetD32Async", cuMemsetD32Async(dptr(dst), value, count, stream(stream)));
    }

    @Override public void launchKernel(long function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                                       int sharedBytes, long stream, KernelArgs args) {
        int n = args.count();
        Pointer[] params = new Pointer[n];
        byte[] data = args.data();
        for (int i = 0; i < n; i++) {
            params[i] = Pointer.to(Arrays.copyOfRange(data, args.offset(i), args.offset(i) + args.size(i)));
        }
        check("cuLaunchKernel", cuLaunchKernel(get(function, CUfunction.class), gridX, gridY, gridZ, blockX, blockY, blockZ,
                sharedBytes, stream(stream), Pointer.to(params), null));
    }

    @Override public long streamCreate(int flags) {
        CUstream s = new CUstream();
        check("cuStreamCreate", cuStreamCreate(s, flags));
        return register(s);
    }

    @Override public void streamDestroy(long stream) { check("cuStreamDestroy", cuStreamDestroy(stream(stream))); }

    @Override public void streamSynchronize(long stream) { check("cuStreamSynchronize", cuStreamSynchronize(stream(stream))); }

    @Override public void streamBeginCapture(long stream, int mode) {
        check("cuStreamBeginCapture", cuStreamBeginCapture(stream(stream), mode));
    }

    @Override public long streamEndCapture(long stream) {
        CUgraph g = new CUgraph();
        check("cuStreamEndCapture", cuStreamEndCapture(stream(stream), g));
        return register(g);
    }

    @Override public long graphInstantiate(long graph) {
        CUgraphExec e = new CUgraphExec();
        check("cuGraphInstantiate", cuGraphInstantiate(e, get(graph, CUgraph.class), 0L));
        return register(e);
    }

    @Override public void graphLaunch(long exec, long stream) {
        check("cuGraphLaunch", cuGraphLaunch(get(exec, CUgraphExec.class), stream(stream)));
    }

    @Override public void graphExecDestroy(long exec) { check("cuGraphExecDestroy", cuGraphExecDestroy(get(exec, CUgraphExec.class))); }

    @Override public void graphDestroy(long graph) { check("cuGraphDestroy", cuGraphDestroy(get(graph, CUgraph.class))); }

    @Override public long eventCreate(int flags) {
        CUevent e = new CUevent();
        check("cuEventCreate", cuEventCreate(e, flags));
        return register(e);
    }

    @Override public void eventRecord(long event, long stream) { check("cuEventRecord", cuEventRecord(get(event, CUevent.class), stream(stream))); }

    @Override public void eventSynchronize(long event) { check("cuEventSynchronize", cuEventSynchronize(get(event, CUevent.class))); }

    @Override public float eventElapsedMs(long start, long end) {
        float[] ms = new float[1];
        check("cuEventElapsedTime", cuEventElapsedTime(ms, get(start, CUevent.class), get(end, CUevent.class)));
        return ms[0];
    }

    @Override public void eventDestroy(long event) { check("cuEventDestroy", cuEventDestroy(get(event, CUevent.class))); }
}
