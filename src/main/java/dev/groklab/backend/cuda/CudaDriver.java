package dev.groklab.backend.cuda;

import java.lang.foreign.MemorySegment;

/**
 * The few CUDA driver API calls the backend needs. Handles (contexts, modules, functions,
 * streams, events, graphs) are opaque longs; device pointers are device addresses. Every call
 * checks its CUresult and throws {@link CudaException} naming the call and the error. A context
 * is current per thread: callers make the primary context current on every thread that touches
 * the GPU ({@link #contextSetCurrent}).
 *
 * <p>Two implementations: {@link FfmCudaDriver} (Panama FFM over libcuda.so.1, the default) and
 * {@link JCudaDriver} (JCuda's driver binding). {@link #open} picks one by name.
 */
public interface CudaDriver {
    int ATTR_MAX_SHARED_PER_BLOCK = 8;
    int ATTR_CLOCK_RATE_KHZ = 13;
    int ATTR_MULTIPROCESSOR_COUNT = 16;
    int ATTR_MEMORY_CLOCK_RATE_KHZ = 36;
    int ATTR_MEMORY_BUS_WIDTH = 37;
    int ATTR_L2_CACHE_SIZE = 38;
    int ATTR_UNIFIED_ADDRESSING = 41;
    int ATTR_CC_MAJOR = 75;
    int ATTR_CC_MINOR = 76;

    int STREAM_NON_BLOCKING = 1;
    int CAPTURE_MODE_RELAXED = 2;

    int ERROR_NOT_INITIALIZED = 3;
    int ERROR_STUB_LIBRARY = 34;
    int ERROR_NO_DEVICE = 100;

    /** Names accepted by {@link #open}. */
    String DRIVERS = "ffm, jcuda";

    /**
     * Loads the named binding ("ffm" or "jcuda"). Throws {@link IllegalStateException} with a
     * one-line reason ("libcuda.so.1 not found", …) when the library cannot be loaded.
     */
    static CudaDriver open(String name) {
        return switch (name) {
            case "ffm" -> new FfmCudaDriver();
            case "jcuda" -> new JCudaDriver();
            default -> throw new IllegalArgumentException("groklab.cuda.driver: unknown '" + name + "' (allowed: " + DRIVERS + ")");
        };
    }

    String name();

    void init();

    int driverVersion();

    int deviceCount();

    int device(int ordinal);

    String deviceName(int device);

    int deviceAttribute(int device, int attribute);

    long deviceTotalMem(int device);

    long primaryContextRetain(int device);

    void contextSetCurrent(long context);

    /** {free, total} bytes of the current context's device. */
    long[] memGetInfo();

    long moduleLoadData(byte[] image);

    long moduleGetFunction(long module, String name);

    long memAlloc(long bytes);

    void memFree(long dptr);

    /** Host → device; src is native memory. Pageable sources are staged before the call returns. */
    void memcpyHtoDAsync(long dst, MemorySegment src, long bytes, long stream);

    /** Device → host into native memory; complete only after the stream is synchronized. */
    void memcpyDtoHAsync(MemorySegment dst, long src, long bytes, long stream);

    void memcpyDtoDAsync(long dst, long src, long bytes, long stream);

    void memsetD32Async(long dst, int value, long count, long stream);

    void launchKernel(long function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                      int sharedBytes, long stream, KernelArgs args);

    long streamCreate(int flags);

    void streamDestroy(long stream);

    void streamSynchronize(long stream);

    void streamBeginCapture(long stream, int mode);

    /** Ends a capture and returns the captured graph. */
    long streamEndCapture(long stream);

    long graphInstantiate(long graph);

    void graphLaunch(long exec, long stream);

    void graphExecDestroy(long exec);

    void graphDestroy(long graph);

    long eventCreate(int flags);

    void eventRecord(long event, long stream);

    void eventSynchronize(long event);

    float eventElapsedMs(long start, long end);

    void eventDestroy(long event);
}
