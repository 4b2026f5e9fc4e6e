package dev.groklab.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * {@link CudaDriver} through Panama FFM over libcuda.so.1, binding the versioned symbols the
 * CUDA headers map the API names to (cuMemAlloc_v2, cuMemcpyHtoDAsync_v2, …). Out-parameters
 * and kernel parameter blocks live in per-thread scratch segments, so a launch allocates
 * nothing.
 */
final class FfmCudaDriver implements CudaDriver {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final int MAX_ARGS = 64, MAX_ARG_BYTES = 8192;

    private final SymbolLookup lib;
    private final MethodHandle cuInit, cuDriverGetVersion, cuDeviceGetCount, cuDeviceGet, cuDeviceGetName,
            cuDeviceGetAttribute, cuDeviceTotalMem, cuDevicePrimaryCtxRetain, cuCtxSetCurrent, cuMemGetInfo,
            cuModuleLoadData, cuModuleGetFunction, cuMemAlloc, cuMemFree, cuMemcpyHtoDAsync, cuMemcpyDtoHAsync,
            cuMemcpyDtoDAsync, cuMemsetD32Async, cuLaunchKernel, cuStreamCreate, cuStreamDestroy, cuStreamSynchronize,
            cuStreamBeginCapture, cuStreamEndCapture, cuGraphInstantiate, cuGraphLaunch, cuGraphExecDestroy,
            cuGraphDestroy, cuEventCreate, cuEventRecord, cuEventSynchronize, cuEventElapsedTime, cuEventDestroy,
            cuGetErrorName;

    /** Per-thread scratch: out-parameters, kernel parameter values and the pointer array. */
    private static final class Scratch {
        final MemorySegment out = Arena.ofAuto().allocate(64, 16);
        final MemorySegment values = Arena.ofAuto().allocate(MAX_ARG_BYTES, 16);
        final MemorySegment pointers = Arena.ofAuto().allocate(8L * MAX_ARGS, 16);
    }

    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** System property naming the driver library to bind instead of libcuda.so.1 (a path or a name). */
    static final String LIBRARY_PROPERTY = "groklab.cuda.library";

    /** libcuda.so.1 as the dynamic loader finds it, or the library named by {@value #LIBRARY_PROPERTY}. */
    FfmCudaDriver() { this(System.getProperty(LIBRARY_PROPERTY)); }

    /** The driver API from {@code library} (a path, or a name for the dynamic loader; null: libcuda.so.1). */
    FfmCudaDriver(String library) {
        SymbolLookup l;
        if (library == null || library.isBlank()) {
            try {
                l = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                throw new IllegalStateException("libcuda.so.1 not found");
            }
        } else {
            try {
                l = library.contains("/") ? SymbolLookup.libraryLookup(java.nio.file.Path.of(library), Arena.global())
                        : SymbolLookup.libraryLookup(library, Arena.global());
            } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
                throw new IllegalStateException(library + " (" + LIBRARY_PROPERTY + ") cannot be loaded");
            }
        }
        lib = l;
        cuInit = fn("cuInit", JAVA_INT);
        cuDriverGetVersion = fn("cuDriverGetVersion", ADDRESS);
        cuDeviceGetCount = fn("cuDeviceGetCount", ADDRESS);
        cuDeviceGet = fn("cuDeviceGet", ADDRESS, JAVA_INT);
        cuDeviceGetName = fn("cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceGetAttribute = fn("cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceTotalMem = fn("cuDeviceTotalMem_v2", ADDRESS, JAVA_INT);
        cuDevicePrimaryCtxRetain = fn("cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
        cuCtxSetCurrent = fn("cuCtxSetCurrent", ADDRESS);
        cuMemGetInfo = fn("cuMemGetInfo_v2", ADDRESS, ADDRESS);
        cuModuleLoadData = fn("cuModuleLoadData", ADDRESS, ADDRESS);
        cuModuleGetFunction = fn("cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS);
        cuMemAlloc = fn("cuMemAlloc_v2", ADDRESS, JAVA_LONG);
        cuMemFree = fn("cuMemFree_v2", JAVA_LONG);
        cuMemcpyHtoDAsync = fn("cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
        cuMemcpyDtoHAsync = fn("cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
        cuMemcpyDtoDAsync = fn("cuMemcpyDtoDAsync_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS);
        cuMemsetD32Async = fn("cuMemsetD32Async", JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS);
        cuLaunchKernel = fn("cuLaunchKernel", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        cuStreamCreate = fn("cuStreamCreate", ADDRESS, JAVA_INT);
        cuStreamDestroy = fn("cuStreamDestroy_v2", ADDRESS);
        cuStreamSynchronize = fn("cuStreamSynchronize", ADDRESS);
        cuStreamBeginCapture = fn("cuStreamBeginCapture_v2", ADDRESS, JAVA_INT);
        cuStreamEndCapture = fn("cuStreamEndCapture", ADDRESS, ADDRESS);
        cuGraphInstantiate = fn("cuGraphInstantiateWithFlags", ADDRESS, ADDRESS, JAVA_LONG);
        cuGraphLaunch = fn("cuGraphLaunch", ADDRESS, ADDRESS);
        cuGraphExecDestroy = fn("cuGraphExecDestroy", ADDRESS);
        cuGraphDestroy = fn("cuGraphDestroy", ADDRESS);
        cuEventCreate = fn("cuEventCreate", ADDRESS, JAVA_INT);
        cuEventRecord = fn("cuEventRecord", ADDRESS, ADDRESS);
        cuEventSynchronize = fn("cuEventSynchronize", ADDRESS);
        cuEventElapsedTime = lib.find("cuEventElapsedTime_v2").isPresent()
                ? fn("cuEventElapsedTime_v2", ADDRESS, ADDRESS, ADDRESS) : fn("cuEventElapsedTime", ADDRESS, ADDRESS, ADDRESS);
        cuEventDestroy = fn("cuEventDestroy_v2", ADDRESS);
        cuGetErrorName = fn("cuGetErrorName", JAVA_INT, ADDRESS);
    }

    private MethodHandle fn(String name, ValueLayout... args) {
        MemorySegment sym = lib.find(name).orElseThrow(() -> new IllegalStateException("libcuda.so.1 lacks " + name + " (driver too old)"));
        return LINKER.downcallHandle(sym, FunctionDescriptor.of(JAVA_INT, args));
    }

    private static MemorySegment handle(long h) { return MemorySegment.ofAddress(h); }

    private void check(String call, int result) {
        if (result != 0) throw new CudaException(call, result, errorName(result));
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    String errorName(int result) {
        try {
            MemorySegment out = scratch.get().out;
            int r = (int) cuGetErrorName.invokeExact(result, out);
            if (r != 0) return "CUDA error " + result;
            MemorySegment str = out.get(ADDRESS, 0).reinterpret(256);
            return str.getString(0, StandardCharsets.US_ASCII);
        } catch (Throwable t) {
            return "CUDA error " + result;
        }
    }

    @Override public String name() { return "ffm"; }

    @Override public void init() {
        try { check("cuInit", (int) cuInit.invokeExact(0)); } catch (Throwable t) { throw rethrow(t); }
    }

    private int outInt(String call, MethodHandle mh) {
        try {
            MemorySegment out = scratch.get().out;
            check(call, (int) mh.invokeExact(out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public int driverVersion() { return outInt("cuDriverGetVersion", cuDriverGetVersion); }

    @Override public int deviceCount() { return outInt("cuDeviceGetCount", cuDeviceGetCount); }

    @Override public int device(int ordinal) {
        try {
            MemorySegment out = scratch.get().out;
            check("cuDeviceGet", (int) cuDeviceGet.invokeExact(out, ordinal));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(256);
            check("cuDeviceGetName", (int) cuDeviceGetName.invokeExact(buf, 256, device));
            return buf.getString(0, StandardCharsets.US_ASCII);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public int deviceAttribute(int device, int attribute) {
        try {
            MemorySegment out = scratch.get().out;
            check("cuDeviceGetAttribute", (int) cuDeviceGetAttribute.invokeExact(out, attribute, device));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public long deviceTotalMem(int device) {
        try {
            MemorySegment out = scratch.get().out;
            check("cuDeviceTotalMem_v2", (int) cuDeviceTotalMem.invokeExact(out, device));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public long primaryContextRetain(int device) {
        try {
            MemorySegment out = scratch.get().out;
            check("cuDevicePrimaryCtxRetain", (int) cuDevicePrimaryCtxRetain.invokeExact(out, device));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void contextSetCurrent(long context) {
        try { check("cuCtxSetCurrent", (int) cuCtxSetCurrent.invokeExact(handle(context))); } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public long[] memGetInfo() {
        try {
            MemorySegment out = scratch.get().out;
            check("cuMemGetInfo_v2", (int) cuMemGetInfo.invokeExact(out, out.asSlice(8)));
            return new long[]{out.get(JAVA_LONG, 0), out.get(JAVA_LONG, 8)};
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public long moduleLoadData(byte[] image) {
        try {
            MemorySegment img = Arena.global().allocate(image.length + 1L, 16);
            MemorySegment.copy(image, 0, img, ValueLayout.JAVA_BYTE, 0, image.length);
            MemorySegment out = scratch.get().out;
            check("cuModuleLoadData", (int) cuModuleLoadData.invokeExact(out, img));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public long moduleGetFunction(long module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = scratch.get().out;
            check("cuModuleGetFunction(" + name + ")", (int) cuModuleGetFunction.invokeExact(out, handle(module), a.allocateFrom(name)));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public long memAlloc(long bytes) {
        try {
            MemorySegment out = scratch.get().out;
            check("cuMemAlloc_v2(" + bytes + " bytes)", (int) cuMemAlloc.invokeExact(out, bytes));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void memFree(long dptr) {
        try { check("cuMemFree_v2", (int) cuMemFree.invokeExact(dptr)); } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void memcpyHtoDAsync(long dst, MemorySegment src, long bytes, long stream) {
        try {
            check("cuMemcpyHtoDAsync_v2", (int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, handle(stream)));
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void memcpyDtoHAsync(MemorySegment dst, long src, long bytes, long stream) {
        try {
            check("cuMemcpyDtoHAsync_v2", (int) cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, handle(stream)));
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void memcpyDtoDAsync(long dst, long src, long bytes, long stream) {
        try {
            check("cuMemcpyDtoDAsync_v2", (int) cuMemcpyDtoDAsync.invokeExact(dst, src, bytes, handle(stream)));
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void memsetD32Async(long dst, int value, long count, long stream) {
        try {
            check("cuMemsetD32Async", (int) cuMemsetD32Async.invokeExact(dst, value, count, handle(stream)));
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void launchKernel(long function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                                       int sharedBytes, long stream, KernelArgs args) {
        Scratch s = scratch.get();
        int n = args.count(), len = args.length();
        if (n > MAX_ARGS || len > MAX_ARG_BYTES) throw new IllegalArgumentException("cuLaunchKernel: " + n + " parameters of " + len + " bytes");
        MemorySegment.copy(args.data(), 0, s.values, ValueLayout.JAVA_BYTE, 0, len);
        long base = s.values.address();
        for (int i = 0; i < n; i++) s.pointers.setAtIndex(JAVA_LONG, i, base + args.offset(i));
        try {
            check("cuLaunchKernel", (int) cuLaunchKernel.invokeExact(handle(function), gridX, gridY, gridZ, blockX, blockY, blockZ,
                    sharedBytes, handle(stream), s.pointers, MemorySegment.NULL));
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public long streamCreate(int flags) {
        try {
            MemorySegment out = scratch.get().out;
            check("cuStreamCreate", (int) cuStreamCreate.invokeExact(out, flags));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void streamDestroy(long stream) {
        try { check("cuStreamDestroy_v2", (int) cuStreamDestroy.invokeExact(handle(stream))); } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void streamSynchronize(long stream) {
        try { check("cuStreamSynchronize", (int) cuStreamSynchronize.invokeExact(handle(stream))); } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void streamBeginCapture(long stream, int mode) {
        try {
            check("cuStreamBeginCapture_v2", (int) cuStreamBeginCapture.invokeExact(handle(stream), mode));
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public long streamEndCapture(long stream) {
        try {
            MemorySegment out = scratch.get().out;
            check("cuStreamEndCapture", (int) cuStreamEndCapture.invokeExact(handle(stream), out));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public long graphInstantiate(long graph) {
        try {
            MemorySegment out = scratch.get().out;
            check("cuGraphInstantiateWithFlags", (int) cuGraphInstantiate.invokeExact(out, handle(graph), 0L));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void graphLaunch(long exec, long stream) {
        try { check("cuGraphLaunch", (int) cuGraphLaunch.invokeExact(handle(exec), handle(stream))); } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void graphExecDestroy(long exec) {
        try { check("cuGraphExecDestroy", (int) cuGraphExecDestroy.invokeExact(handle(exec))); } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void graphDestroy(long graph) {
        try { check("cuGraphDestroy", (int) cuGraphDestroy.invokeExact(handle(graph))); } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public long eventCreate(int flags) {
        try {
            MemorySegment out = scratch.get().out;
            check("cuEventCreate", (int) cuEventCreate.invokeExact(out, flags));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void eventRecord(long event, long stream) {
        try { check("cuEventRecord", (int) cuEventRecord.invokeExact(handle(event), handle(stream))); } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void eventSynchronize(long event) {
        try { check("cuEventSynchronize", (int) cuEventSynchronize.invokeExact(handle(event))); } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public float eventElapsedMs(long start, long end) {
        try {
            MemorySegment out = scratch.get().out;
            check("cuEventElapsedTime", (int) cuEventElapsedTime.invokeExact(out, handle(start), handle(end)));
            return out.get(JAVA_FLOAT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    @Override public void eventDestroy(long event) {
        try { check("cuEventDestroy_v2", (int) cuEventDestroy.invokeExact(handle(event))); } catch (Throwable t) { throw rethrow(t); }
    }
}
