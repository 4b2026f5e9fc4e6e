package dev.groklab.backend.cuda;

import dev.groklab.backend.AdamStep;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.backend.Binary;
import dev.groklab.backend.LastQueryAttention;
import dev.groklab.backend.MatmulPlan;
import dev.groklab.backend.RepeatedStep;
import dev.groklab.backend.ScalarOp;
import dev.groklab.backend.SgdStep;
import dev.groklab.backend.Unary;
import dev.groklab.tensor.CpuStorage;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Device;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Shapes;
import dev.groklab.tensor.Tensor;
import dev.groklab.walkers.LangevinStep;
import dev.groklab.walkers.PotentialForm;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The CUDA backend: kernels from {@code kernels/cuda/*.cu}, compiled at build time into one
 * fatbin (sm_90 SASS + compute_90 PTX) and loaded through the driver API, either binding
 * ({@link CudaDriver}; system property {@code groklab.cuda.driver=ffm|jcuda}, default ffm).
 *
 * <p>Every kernel runs on one stream, so the caching allocator can hand a released block to
 * the next allocation at once, and nothing waits for the GPU except {@link #toHost}, copies to
 * CPU tensors and {@link #synchronize}. Kernels compute in float32; F64 tensors can be stored
 * and converted by {@link #copy}. Index errors found on the GPU (gather/scatterAdd indices,
 * cross-entropy targets) surface at the next synchronization. Sums are deterministic: the same
 * inputs on the same device give the same bits.
 *
 * <p>A backend is driven by one thread at a time (the context is made current on whichever
 * thread calls).
 */
public final class CudaBackend implements Backend {
    public static final String DRIVER_PROPERTY = "groklab.cuda.driver";
    public static final String TF32_PROPERTY = "groklab.cuda.tf32";
    /** false runs training steps kernel by kernel instead of replaying them as CUDA graphs. */
    public static final String GRAPHS_PROPERTY = "groklab.cuda.graphs";
    public static final String FATBIN_RESOURCE = "kernels/cuda/groklab.fatbin";
    public static final String NO_KERNELS = "kernels were not compiled (no nvcc at build time)";

    private static final int THREADS = 256;
    static final int DEFAULT_SPLIT_K_MIN_TILES = 8;
    private static final long ARG_RING = 1L << 20;

    /** Whether a backend can run here, and if not why (one line). */
    public record Availability(boolean available, String driver, String reason, String description) {
        /** "<device description>" or "unavailable: <reason>". */
        public String line() { return available ? description : "unavailable: " + reason; }
    }

    /** A failure to open the backend: its message is the one-line reason. */
    private static final class Unavailable extends RuntimeException {
        Unavailable(String reason) { super(reason, null, false, false); }
    }

    private static final Map<String, Availability> PROBES = new ConcurrentHashMap<>();
    private static final Map<String, CudaBackend> OPEN = new ConcurrentHashMap<>();

    private final CudaDriver driver;
    private final int ordinal;
    private final Device device;
    private final long context, module, stream;
    private final String deviceName;
    private final int sms, ccMajor, ccMinor;
    private final long totalMemory;
    private final CudaAllocator allocator;
    private final Map<String, Long> functions = new HashMap<>();
    private final ThreadLocal<Boolean> bound = new ThreadLocal<>();
    private final ThreadLocal<KernelArgs> argsBuffer = ThreadLocal.withInitial(KernelArgs::new);
    private final long errorWord, argRing;
    private long argRingPos;
    private MemorySegment staging = Arena.ofAuto().allocate(1 << 16, 64);
    private final MemorySegment errorHost = Arena.ofAuto().allocate(16, 16);
    private GraphRecording recording;
    private ProfileEvents profiling;
    /** A product splits its k-tiles over blocks (summed by matmul_reduce) only with at least this many. */
    private int splitKMinTiles = DEFAULT_SPLIT_K_MIN_TILES;
    private boolean tf32 = Boolean.getBoolean(TF32_PROPERTY);
    private long graphLaunches;
    private boolean graphs = !"false".equalsIgnoreCase(System.getProperty(GRAPHS_PROPERTY, "true"));
    private boolean exactWalkerMath = true;

    // ---- opening and probing ----------------------------------------------------------------------

    /** The driver binding named by {@value #DRIVER_PROPERTY} (default "ffm"). */
    public static String defaultDriver() {
        String d = System.getProperty(DRIVER_PROPERTY);
        if (d == null || d.isBlank()) d = System.getenv("GROKLAB_CUDA_DRIVER");
        return d == null || d.isBlank() ? "ffm" : d.trim().toLowerCase(Locale.ROOT);
    }

    /** Whether the default driver can open device 0; never throws. */
    public static Availability probe() { return probe(defaultDriver()); }

    /** Whether {@code driver} ("ffm" or "jcuda") can open device 0; the result is cached. */
    public static Availability probe(String driver) {
        return PROBES.computeIfAbsent(driver, d -> {
            try {
                CudaBackend be = open(d, 0);
                return new Availability(true, d, null, be.describe());
            } catch (Unavailable e) {
                return new Availability(false, d, e.getMessage(), null);
            } catch (RuntimeException | LinkageError e) {
                return new Availability(false, d, "driver error: " + e.getMessage(), null);
            }
        });
    }

    /** Device 0 through the default driver; fails with the probe's reason when unavailable. */
    public static CudaBackend get() { return get(defaultDriver(), 0); }

    /** Device {@code ordinal} through {@code driver}; fails with a one-line reason when unavailable. */
    public static CudaBackend get(String driver, int ordinal) {
        if (ordinal == 0) {
            Availability a = probe(driver);
            if (!a.available()) throw new IllegalStateException("cuda: unavailable: " + a.reason());
        }
        try {
            return open(driver, ordinal);
        } catch (Unavailable e) {
            throw new IllegalStateException("cuda: unavailable: " + e.getMessage());
        }
    }

    private static synchronized CudaBackend open(String driver, int ordinal) {
        String key = driver + ":" + ordinal;
        CudaBackend be = OPEN.get(key);
        if (be == null) {
            be = new CudaBackend(driver, ordinal);
            OPEN.put(key, be);
            Backends.register(be);
        }
        return be;
    }

    private CudaBackend(String driverName, int ordinal) { this(load(driverName), ordinal, fatbin()); }

    private static CudaDriver load(String driverName) {
        try {
            return CudaDriver.open(driverName);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new Unavailable(e.getMessage());
        }
    }

    /** A backend over a given driver binding and kernel image (tests run the host code on an emulated driver). */
    static CudaBackend withDriver(CudaDriver d, byte[] image) {
        CudaBackend be = new CudaBackend(d, 0, image);
        Backends.register(be);
        return be;
    }

    private CudaBackend(CudaDriver d, int ordinal, byte[] image) {
        String driverName = d.name();
        try {
            d.init();
        } catch (CudaException e) {
            if (e.code() == CudaDriver.ERROR_NO_DEVICE) throw new Unavailable("no CUDA device");
            if (e.code() == CudaDriver.ERROR_STUB_LIBRARY) throw new Unavailable("libcuda.so.1 is the toolkit's stub (no NVIDIA driver installed)");
            throw new Unavailable("driver error: " + e.getMessage());
        }
        int count = d.deviceCount();
        if (count == 0) throw new Unavailable("no CUDA device");
        if (ordinal < 0 || ordinal >= count) throw new Unavailable("no CUDA device " + ordinal + " (" + count + " present)");
        int dev = d.device(ordinal);
        this.driver = d;
        this.ordinal = ordinal;
        this.deviceName = d.deviceName(dev);
        this.ccMajor = d.deviceAttribute(dev, CudaDriver.ATTR_CC_MAJOR);
        this.ccMinor = d.deviceAttribute(dev, CudaDriver.ATTR_CC_MINOR);
        this.sms = d.deviceAttribute(dev, CudaDriver.ATTR_MULTIPROCESSOR_COUNT);
        this.totalMemory = d.deviceTotalMem(dev);
        if (ccMajor < 9) {
            throw new Unavailable(deviceName + " has compute capability " + ccMajor + "." + ccMinor
                    + "; the kernels are built for 9.0 (sm_90) and newer");
        }
        if (image == null) throw new Unavailable(NO_KERNELS);
        this.context = d.primaryContextRetain(dev);
        d.contextSetCurrent(context);
        bound.set(Boolean.TRUE);
        try {
            this.module = d.moduleLoadData(image);
        } catch (CudaException e) {
            throw new Unavailable("cannot load the kernels: " + e.getMessage());
        }
        this.stream = d.streamCreate(CudaDriver.STREAM_NON_BLOCKING);
        this.allocator = new CudaAllocator(d);
        this.errorWord = allocator.allocate(16)[0];
        this.argRing = allocator.allocate(ARG_RING)[0];
        d.memsetD32Async(errorWord, 0, 4, stream);
        d.streamSynchronize(stream);
        this.device = new Device(Device.Kind.CUDA, ordinal, driverName.equals("ffm") ? "cuda:" + ordinal : "cuda:" + ordinal + "/" + driverName);
    }

    /** The compiled kernels from the classpath, or null when the build had no nvcc. */
    static byte[] fatbin() {
        try (InputStream in = CudaBackend.class.getClassLoader().getResourceAsStream(FATBIN_RESOURCE)) {
            if (in == null) return null;
            byte[] b = in.readAllBytes();
            return b.length == 0 ? null : b;
        } catch (IOException e) {
            return null;
        }
    }

    /** "NVIDIA H100 …, 79.1 GiB, 132 SMs, compute capability 9.0, driver 13.0 (ffm)". */
    public String describe() {
        int v = driver.driverVersion();
        return String.format(Locale.ROOT, "%s, %.1f GiB, %d SMs, compute capability %d.%d, CUDA driver %d.%d (%s)",
                deviceName, totalMemory / (double) (1L << 30), sms, ccMajor, ccMinor, v / 1000, (v % 1000) / 10, driver.name());
    }

    public String deviceName() { return deviceName; }

    public int multiprocessors() { return sms; }

    public long totalMemory() { return totalMemory; }

    public String driverName() { return driver.name(); }

    CudaDriver driver() { return driver; }

    long stream() { return stream; }

    public long reservedBytes() { return allocator.reservedBytes(); }

    /** Matmuls on TF32 tensor cores (fp32 accumulation, ~1e-3 relative error) instead of fp32 SIMT. */
    public void setTf32(boolean on) { tf32 = on; }

    public boolean tf32() { return tf32; }

    /** Training steps replayed as CUDA graphs (default, unless -Dgroklab.cuda.graphs=false) or run kernel by kernel. */
    public void setGraphs(boolean on) { graphs = on; }

    /**
     * The fewest k-tiles (of 8) a product needs before its k axis is split over blocks when it has
     * too few output tiles to fill the GPU; {@link Integer#MAX_VALUE} never splits (benchmarks
     * compare the two costs: idle SMs against one more launch).
     */
    void setSplitKMinTiles(int tiles) {
        if (tiles < 1) throw new IllegalArgumentException("split-K threshold must be >= 1 k-tile, got " + tiles);
        splitKMinTiles = tiles;
    }

    /** A step replayed as a CUDA graph after one eager run and its capture ({@link CudaRepeatedStep}). */
    @Override public RepeatedStep repeated(Runnable step) {
        return graphs ? new CudaRepeatedStep(this, step) : RepeatedStep.eager(step);
    }

    /** CUDA graphs launched so far (captures and replays). */
    long graphLaunches() { return graphLaunches; }

    /** Walkers' Box–Muller in double (matches the CPU reference; default) or float math. */
    public void setExactWalkerMath(boolean on) { exactWalkerMath = on; }

    @Override public Device device() { return device; }

    @Override public String toString() { return driver.name().equals("ffm") ? "cuda" : "cuda/" + driver.name(); }

    /** Makes the primary context current on the calling thread (once per thread). */
    void bind() {
        if (bound.get() == null) {
            driver.contextSetCurrent(context);
            bound.set(Boolean.TRUE);
        }
    }

    // ---- launches, copies and the graph hooks ------------------------------------------------------

    private long function(String name) {
        Long f = functions.get(name);
        if (f == null) {
            f = driver.moduleGetFunction(module, name);
            functions.put(name, f);
        }
        return f;
    }

    KernelArgs args() { return argsBuffer.get().reset(); }

    void launch(String kernel, int gx, int gy, int gz, int bx, int by, int bz, KernelArgs a) {
        long f = function(kernel);
        if (recording != null && recording.replaying) {
            recording.verify(kernel, f, new int[]{gx, gy, gz, bx, by, bz}, a.data(), a.length());
            return;
        }
        driver.launchKernel(f, gx, gy, gz, bx, by, bz, 0, stream, a);
        if (recording != null) recording.record(kernel, f, new int[]{gx, gy, gz, bx, by, bz}, a.snapshot());
        if (profiling != null) profiling.after(kernel, "grid " + gx + "x" + gy + "x" + gz + ", block " + bx + "x" + by + "x" + bz);
    }

    /** A 1-D grid-stride launch over n items. */
    void launch1d(String kernel, long n, KernelArgs a) {
        launch(kernel, gridFor(n, THREADS), 1, 1, THREADS, 1, 1, a);
    }

    int gridFor(long n, int threads) {
        return (int) Math.max(1, Math.min((n + threads - 1) / threads, (long) sms * 32));
    }

    private void dtod(long dst, long src, long bytes) {
        if (bytes == 0) return;
        if (recording != null) {
            byte[] b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(dst).putLong(src).putLong(bytes).array();
            if (recording.replaying) {
                recording.verify("memcpy", -1, new int[0], b, b.length);
                return;
            }
            recording.record("memcpy", -1, new int[0], b);
        }
        driver.memcpyDtoDAsync(dst, src, bytes, stream);
        if (profiling != null) profiling.after("copy device to device", bytes + " bytes");
    }

    /** Host bytes to device memory: a stream-ordered copy, or inside a graph step via the arena. */
    private void upload(long dst, MemorySegment src, long bytes) {
        if (bytes == 0) return;
        if (recording != null) {
            dtod(dst, recording.stage(src, bytes), bytes);
        } else {
            driver.memcpyHtoDAsync(dst, src, bytes, stream);
            if (profiling != null) profiling.after("copy host to device", bytes + " bytes");
        }
    }

    private MemorySegment staging(long bytes) {
        if (staging.byteSize() < bytes) staging = Arena.ofAuto().allocate(Math.max(bytes, 2 * staging.byteSize()), 64);
        return staging;
    }

    /**
     * Device address of a block of host-provided kernel arguments (optimizer hyper-parameters,
     * counters). Eagerly they go through a ring buffer (stream order makes reuse safe); inside a
     * graph step into the step's arena, so a replay reads the replayed step's values.
     */
    long deviceArgs(byte[] block) {
        MemorySegment s = staging(block.length);
        MemorySegment.copy(block, 0, s, ValueLayout.JAVA_BYTE, 0, block.length);
        if (recording != null) return recording.stage(s, block.length);
        long off = (argRingPos + 255) / 256 * 256;
        if (off + block.length > ARG_RING) off = 0;
        driver.memcpyHtoDAsync(argRing + off, s, block.length, stream);
        if (profiling != null) profiling.after("copy host to device (arguments)", block.length + " bytes");
        argRingPos = off + block.length;
        return argRing + off;
    }

    private void requireEager(String op) {
        if (recording != null) {
            throw new IllegalStateException(op + " inside a captured CUDA graph step: a step must not read results on the host");
        }
    }

    /** Waits for the stream and reports errors the kernels recorded. */
    @Override public void synchronize() {
        requireEager("synchronize");
        bind();
        driver.streamSynchronize(stream);
        checkErrors();
    }

    private void checkErrors() {
        driver.memcpyDtoHAsync(errorHost, errorWord, 16, stream);
        driver.streamSynchronize(stream);
        int code = errorHost.get(ValueLayout.JAVA_INT, 0);
        if (code == 0) return;
        int a = errorHost.get(ValueLayout.JAVA_INT, 4), b = errorHost.get(ValueLayout.JAVA_INT, 8);
        driver.memsetD32Async(errorWord, 0, 4, stream);
        driver.streamSynchronize(stream);
        String when = " (found on the GPU, reported at the next synchronization)";
        throw new IllegalArgumentException(switch (code) {
            case 1 -> "gather: index " + a + " outside [0, " + b + ")" + when;
            case 2 -> "scatterAdd: index " + a + " outside [0, " + b + ")" + when;
            case 3 -> "crossEntropy: target " + a + " outside [0, " + b + ")" + when;
            default -> "cuda: kernel error code " + code + when;
        });
    }

    void beginCapture(GraphRecording r) {
        if (recording != null) throw new IllegalStateException("CUDA graph steps cannot nest");
        bind();
        driver.streamBeginCapture(stream, CudaDriver.CAPTURE_MODE_RELAXED);
        recording = r;
    }

    long endCapture() {
        recording = null;
        return driver.streamEndCapture(stream);
    }

    void beginReplay(GraphRecording r) {
        if (recording != null) throw new IllegalStateException("CUDA graph steps cannot nest");
        bind();
        r.beginReplay();
        recording = r;
    }

    void endReplay(boolean check) {
        GraphRecording r = recording;
        recording = null;
        if (check) r.endReplay();
        else r.replaying = false;
    }

    /** Copies a step's arena to the device and launches its graph (stream-ordered). */
    void launchGraph(long exec, GraphRecording r) {
        bind();
        graphLaunches++;
        if (r.arenaUsed > 0) driver.memcpyHtoDAsync(r.arenaDevice, r.arenaHost, r.arenaUsed, stream);
        driver.graphLaunch(exec, stream);
    }

    long rawAllocate(long bytes) { return allocator.allocate(bytes)[0]; }

    void rawFree(long pointer, long bytes) { allocator.release(pointer, CudaAllocator.blockSize(bytes)); }

    // ---- timing -----------------------------------------------------------------------------------

    /** SM cycles {@link #profile(Runnable)} holds the GPU for: about 50 ms at 2 GHz. */
    static final long PROFILE_SPIN_CYCLES = 100_000_000L;

    /** The GPU time of each operation {@code work} enqueues (eager; waits for the work). */
    public KernelProfile profile(Runnable work) { return profile(work, PROFILE_SPIN_CYCLES); }

    /**
     * The GPU time of each operation {@code work} enqueues. The work queues up behind a kernel that
     * holds the GPU for {@code spinCycles}, so its operations then run back to back and the events
     * recorded between them time the GPU, not the host's launch rate.
     */
    KernelProfile profile(Runnable work, long spinCycles) {
        requireEager("profile");
        if (profiling != null) throw new IllegalStateException("profile: already profiling");
        bind();
        ProfileEvents ev = new ProfileEvents(driver, stream);
        try {
            long t0 = System.nanoTime();
            ev.mark();
            launch("spin", 1, 1, 1, 1, 1, 1, args().i64(spinCycles));
            ev.mark();
            profiling = ev;
            try {
                work.run();
            } finally {
                profiling = null;
            }
            double enqueueMs = (System.nanoTime() - t0) * 1e-6;
            synchronize();
            return ev.profile(enqueueMs);
        } finally {
            ev.close();
        }
    }

    /** Milliseconds of GPU time that {@code work} enqueues, measured with events (waits for it). */
    public double timeMs(Runnable work) {
        requireEager("timeMs");
        bind();
        long a = driver.eventCreate(0), b = driver.eventCreate(0);
        try {
            driver.eventRecord(a, stream);
            work.run();
            driver.eventRecord(b, stream);
            driver.eventSynchronize(b);
            return driver.eventElapsedMs(a, b);
        } finally {
            driver.eventDestroy(a);
            driver.eventDestroy(b);
        }
    }

    // ---- tensors ----------------------------------------------------------------------------------

    static long ptr(Tensor t) {
        return ((CudaStorage) t.storage()).pointer() + t.offset() * t.dtype().bytes();
    }

    private boolean mine(Tensor t) { return t.device().equals(device); }

    private void live(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t == null) continue;
            t.check(op);
            if (!mine(t)) {
                throw new IllegalArgumentException(op + ": tensor " + Shapes.str(t.shape()) + " is on " + t.device()
                        + ", this backend is " + device);
            }
        }
        bind();
    }

    private static void f32(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && t.dtype() != DType.F32) {
                throw new IllegalArgumentException(op + ": the CUDA backend computes in float32, got a " + t.dtype() + " tensor "
                        + Shapes.str(t.shape()) + " (copy it to F32 first)");
            }
        }
    }

    private static void i32(String op, Tensor t) {
        if (t.dtype() != DType.I32) throw new IllegalArgumentException(op + ": indices must be I32, got " + t.dtype());
    }

    /** t itself when dense, else a dense copy. */
    private Tensor dense(Tensor t) {
        if (t.isContiguous()) return t;
        Tensor c = empty(t.dtype(), t.shape());
        copy(t, c);
        return c;
    }

    private void requireDense(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && !t.isContiguous()) {
                throw new IllegalArgumentException(op + ": tensor " + Shapes.str(t.shape()) + " must be dense (it is updated in place)");
            }
        }
    }

    @Override public Tensor empty(DType dtype, int... shape) {
        Shapes.checkPositive("empty", shape);
        bind();
        long bytes = Shapes.numel(shape) * dtype.bytes();
        long[] block = allocator.allocate(bytes);
        CudaStorage s = Scope.track(new CudaStorage(device, bytes, block[0], block[1], allocator));
        return Tensor.dense(s, dtype, shape);
    }

    private static void checkLength(int length, int[] shape) {
        if (Shapes.numel(shape) != length) {
            throw new IllegalArgumentException("fromHost: " + length + " values for shape " + Shapes.str(shape));
        }
    }

    @Override public Tensor fromHost(float[] data, int... shape) { return fromHost(DType.F32, MemorySegment.ofArray(data), data.length, shape); }

    @Override public Tensor fromHost(double[] data, int... shape) { return fromHost(DType.F64, MemorySegment.ofArray(data), data.length, shape); }

    @Override public Tensor fromHost(int[] data, int... shape) { return fromHost(DType.I32, MemorySegment.ofArray(data), data.length, shape); }

    /** A new tensor holding a Java array's values (the array's heap segment), uploaded through the staging buffer. */
    private Tensor fromHost(DType dtype, MemorySegment data, int length, int[] shape) {
        checkLength(length, shape);
        bind();
        Tensor t = empty(dtype, shape);
        long bytes = data.byteSize();
        MemorySegment s = staging(bytes);
        MemorySegment.copy(data, 0, s, 0, bytes);
        upload(ptr(t), s, bytes);
        return t;
    }

    @Override public Tensor toHost(Tensor t) {
        live("toHost", t);
        requireEager("toHost");
        Tensor d = dense(t);
        Tensor out = Backends.cpu().empty(t.dtype(), t.shape());
        long bytes = (long) t.numel() * t.dtype().bytes();
        if (bytes > 0) driver.memcpyDtoHAsync(hostSlice(out), ptr(d), bytes, stream);
        driver.streamSynchronize(stream);
        checkErrors();
        return out;
    }

    private static MemorySegment hostSlice(Tensor hostDense) {
        long b = hostDense.dtype().bytes();
        return hostDense.segment().asSlice(hostDense.offset() * b, (long) hostDense.numel() * b);
    }

    // ---- memory -----------------------------------------------------------------------------------

    @Override public void fill(Tensor out, double value) {
        live("fill", out);
        if (!out.isContiguous()) {
            Tensor tmp = empty(out.dtype(), out.shape());
            fill(tmp, value);
            copy(tmp, out);
            return;
        }
        int n = out.numel();
        if (n == 0) return;
        switch (out.dtype()) {
            case F32 -> launch1d("fill_b32", n, args().ptr(ptr(out)).i32(n).i32(Float.floatToRawIntBits((float) value)));
            case I32 -> launch1d("fill_b32", n, args().ptr(ptr(out)).i32(n).i32((int) value));
            case F64 -> launch1d("fill_b64", n, args().ptr(ptr(out)).i32(n).i64(Double.doubleToRawLongBits(value)));
        }
    }

    private static String code(DType t) {
        return switch (t) { case F32 -> "f32"; case F64 -> "f64"; case I32 -> "i32"; };
    }

    @Override public void copy(Tensor src, Tensor dst) {
        src.check("copy");
        dst.check("copy");
        Checks.same("copy", src, dst);
        boolean srcHere = mine(src), dstHere = mine(dst);
        boolean srcCpu = src.device().kind() == Device.Kind.CPU, dstCpu = dst.device().kind() == Device.Kind.CPU;
        if (!(srcHere || srcCpu) || !(dstHere || dstCpu)) {
            throw new IllegalArgumentException("copy: " + src.device() + " → " + dst.device() + " is not supported by " + device);
        }
        bind();
        if (srcCpu && dstCpu) {
            Backends.cpu().copy(src, dst);
        } else if (srcCpu) {
            copyFromHost(src, dst);
        } else if (dstCpu) {
            copyToHost(src, dst);
        } else {
            copyDevice(src, dst);
        }
    }

    private void copyFromHost(Tensor src, Tensor dst) {
        Tensor host = src;
        if (!src.isContiguous() || src.dtype() != dst.dtype()) {
            host = Backends.cpu().empty(dst.dtype(), dst.shape());
            Backends.cpu().copy(src, host);
        }
        Tensor target = dst.isContiguous() ? dst : empty(dst.dtype(), dst.shape());
        upload(ptr(target), hostSlice(host), (long) host.numel() * host.dtype().bytes());
        if (target != dst) copyDevice(target, dst);
    }

    private void copyToHost(Tensor src, Tensor dst) {
        requireEager("copy to a CPU tensor");
        Tensor d = dense(src);
        Tensor host = dst.isContiguous() && dst.dtype() == src.dtype() ? dst : Backends.cpu().empty(src.dtype(), src.shape());
        long bytes = (long) src.numel() * src.dtype().bytes();
        if (bytes > 0) driver.memcpyDtoHAsync(hostSlice(host), ptr(d), bytes, stream);
        driver.streamSynchronize(stream);
        checkErrors();
        if (host != dst) Backends.cpu().copy(host, dst);
    }

    private void copyDevice(Tensor src, Tensor dst) {
        int n = src.numel();
        if (n == 0) return;
        int[][] m = merge(src.shape(), src.strides(), dst.strides());
        boolean dense = isDense(m);
        if (dense && src.dtype() == dst.dtype()) {
            dtod(ptr(dst), ptr(src), (long) n * src.dtype().bytes());
            return;
        }
        KernelArgs a = args().ptr(ptr(src)).ptr(ptr(dst)).i32(n).ints(layout(m, 2)).i32(dense ? 1 : 0);
        launch1d("copy_" + code(src.dtype()) + "_" + code(dst.dtype()), n, a);
    }

    // ---- layouts ----------------------------------------------------------------------------------

    static final int MAXR = 8;

    /**
     * Merges the axes of one logical shape over several operands' strides: size-1 axes go, and
     * an axis folds into the next when it is contiguous with it in every operand. Returns
     * {sizes, strides of operand 0, strides of operand 1, …}.
     */
    static int[][] merge(int[] shape, int[]... strides) {
        int k = strides.length;
        int[] sz = new int[Math.max(1, shape.length)];
        int[][] st = new int[k][Math.max(1, shape.length)];
        int r = 0;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (r > 0) {
                boolean fold = true;
                for (int o = 0; o < k; o++) {
                    if ((long) st[o][r - 1] * sz[r - 1] != strides[o][i]) { fold = false; break; }
                }
                if (fold) {
                    sz[r - 1] *= shape[i];
                    continue;
                }
            }
            sz[r] = shape[i];
            for (int o = 0; o < k; o++) st[o][r] = strides[o][i];
            r++;
        }
        if (r == 0) {
            sz[0] = 1;
            r = 1;
        }
        int[][] out = new int[k + 1][r];
        for (int i = 0; i < r; i++) {
            out[0][r - 1 - i] = sz[i];
            for (int o = 0; o < k; o++) out[o + 1][r - 1 - i] = st[o][i];
        }
        return out;
    }

    /** Whether every operand of a merged layout is one contiguous run. */
    static boolean isDense(int[][] m) {
        if (m[0].length != 1) return false;
        if (m[0][0] <= 1) return true;
        for (int o = 1; o < m.length; o++) if (m[o][0] != 1) return false;
        return true;
    }

    /** The ints of a {rank, size[8], strides[8] × slots} struct (unused slots zero). */
    static int[] layout(int[][] m, int slots) {
        int r = m[0].length;
        if (r > MAXR) throw new IllegalArgumentException("cuda: a view with more than " + MAXR + " non-mergeable axes " + Arrays.toString(m[0]));
        int[] v = new int[1 + MAXR * (1 + slots)];
        v[0] = r;
        for (int i = 0; i < r; i++) {
            v[1 + i] = m[0][i];
            for (int o = 0; o < slots && o + 1 < m.length; o++) v[1 + MAXR * (1 + o) + i] = m[o + 1][i];
        }
        return v;
    }

    // ---- elementwise ------------------------------------------------------------------------------

    /** Runs body into out, or into a dense temporary copied to out when out is strided. */
    private void intoDense(Tensor out, Consumer<Tensor> body) {
        if (out.isContiguous()) {
            body.accept(out);
        } else {
            Tensor tmp = empty(out.dtype(), out.shape());
            body.accept(tmp);
            copy(tmp, out);
        }
    }

    /**
     * An elementwise launch over out's items, into a dense temporary when out is strided: the
     * kernel's leading arguments from head (given the dense output), then n, the inputs' EwLayout
     * over the axes merged across every operand, and whether every operand is dense.
     */
    private void elementwise(String kernel, Tensor out, Tensor[] inputs, Function<Tensor, KernelArgs> head) {
        int n = out.numel();
        intoDense(out, o -> {
            int[][] strides = new int[inputs.length + 1][];
            for (int i = 0; i < inputs.length; i++) strides[i] = inputs[i].strides();
            strides[inputs.length] = o.strides();
            int[][] m = merge(out.shape(), strides);
            launch1d(kernel, n, head.apply(o).i32(n).ints(layout(Arrays.copyOf(m, 1 + inputs.length), 3)).i32(isDense(m) ? 1 : 0));
        });
    }

    @Override public void unary(Unary op, Tensor x, Tensor out) {
        String name = "unary " + op;
        live(name, x, out);
        Checks.same(name, x, out);
        f32(name, x, out);
        if (x.numel() == 0) return;
        elementwise("unary_f32", out, new Tensor[]{x}, o -> args().i32(op.ordinal()).ptr(ptr(x)).ptr(ptr(o)));
    }

    @Override public void unaryBackward(Unary op, Tensor x, Tensor y, Tensor gy, Tensor gx) {
        String name = "unaryBackward " + op;
        live(name, x, y, gy, gx);
        Checks.same(name, x, gx);
        Checks.same(name, y, gx);
        Checks.same(name, gy, gx);
        f32(name, x, y, gy, gx);
        if (x.numel() == 0) return;
        elementwise("unary_backward_f32", gx, new Tensor[]{x, y, gy},
                o -> args().i32(op.ordinal()).ptr(ptr(x)).ptr(ptr(y)).ptr(ptr(gy)).ptr(ptr(o)));
    }

    @Override public void scalar(ScalarOp op, Tensor x, double s, Tensor out) {
        String name = "scalar " + op;
        live(name, x, out);
        Checks.same(name, x, out);
        f32(name, x, out);
        if (x.numel() == 0) return;
        elementwise("scalar_f32", out, new Tensor[]{x}, o -> args().i32(op.ordinal()).ptr(ptr(x)).f64(s).ptr(ptr(o)));
    }

    @Override public void binary(Binary op, Tensor a, Tensor b, Tensor out) {
        String name = "binary " + op;
        live(name, a, b, out);
        int[] shape = Checks.broadcast(name, a, b, out);
        f32(name, a, b, out);
        if (out.numel() == 0) return;
        elementwise("binary_f32", out, new Tensor[]{a.expand(shape), b.expand(shape)},
                o -> args().i32(op.ordinal()).ptr(ptr(a)).ptr(ptr(b)).ptr(ptr(o)));
    }

    @Override public void sumTo(Tensor x, Tensor out, boolean accumulate) {
        live("sumTo", x, out);
        Checks.sumTo(x, out);
        f32("sumTo", x, out);
        int nOut = out.numel();
        if (nOut == 0) return;
        int nx = x.numel();
        if (nx == 0) {
            if (!accumulate) fill(out, 0);
            return;
        }
        int nRed = nx / nOut;
        // Split x's axes into kept (out's, in order) and reduced ones, then merge each group.
        int[] xs = x.shape(), xt = x.strides(), os = out.shape();
        int lead = xs.length - os.length;
        int[] kSize = new int[xs.length], kStride = new int[xs.length], rSize = new int[xs.length], rStride = new int[xs.length];
        int kr = 0, rr = 0;
        for (int i = 0; i < xs.length; i++) {
            if (xs[i] == 1) continue;
            boolean reduced = i < lead || os[i - lead] == 1;
            if (reduced) { rSize[rr] = xs[i]; rStride[rr++] = xt[i]; }
            else { kSize[kr] = xs[i]; kStride[kr++] = xt[i]; }
        }
        int[][] km = merge(Arrays.copyOf(kSize, kr), Arrays.copyOf(kStride, kr));
        int[][] rm = merge(Arrays.copyOf(rSize, rr), Arrays.copyOf(rStride, rr));
        boolean rowStyle = rm[1][rm[1].length - 1] == 1 && nRed > 1;
        int per = rowStyle ? 8 : 32;
        int blocksX = (nOut + per - 1) / per;
        int chunk = chunkFor(nRed, 1024, 512, blocksX), splits = (nRed + chunk - 1) / chunk;
        int[] kl = layout(km, 1), rl = layout(rm, 1);
        int[] sl = new int[kl.length + rl.length];
        System.arraycopy(kl, 0, sl, 0, kl.length);
        System.arraycopy(rl, 0, sl, kl.length, rl.length);
        long partial = splits > 1 ? rawAllocate(4L * splits * nOut) : 0;
        try {
            launch("sum_to_f32", blocksX, splits, 1, 32, 8, 1, args().ptr(ptr(x)).ptr(ptr(out)).ptr(partial).i32(nOut).i32(nRed)
                    .ints(sl).i32(splits).i32(chunk).i32(accumulate ? 1 : 0).i32(rowStyle ? 1 : 0));
            if (splits > 1) {
                launch1d("sum_to_finish", nOut, args().ptr(partial).ptr(ptr(out)).i32(nOut).i32(splits).i32(accumulate ? 1 : 0));
            }
        } finally {
            if (partial != 0) rawFree(partial, 4L * splits * nOut);
        }
    }

    /**
     * The chunk length that splits a reduction over len items into at most {@code most} chunks of
     * at least {@code least} items, enough for about four blocks per SM when {@code blocks} blocks
     * run without splitting.
     */
    private int chunkFor(int len, int most, int least, long blocks) {
        int splits = (int) Math.max(1, Math.min(Math.min(most, len / least), (4L * sms + blocks - 1) / blocks));
        return (len + splits - 1) / splits;
    }

    // ---- matmul -----------------------------------------------------------------------------------

    @Override public void matmul(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        live("matmul", a, b, out);
        MatmulPlan p = MatmulPlan.of(a, b, out);
        f32("matmul", a, b, out);
        int n = p.n(), k = p.k(), m = p.m();
        if (n == 0 || m == 0) return;
        boolean reduce = p.reduceBatch();
        if (p.batch() == 0) {
            if (reduce && !accumulate) fill(out, 0);
            return;
        }
        // Batch axes of a and b (stride 0 for a shared rank-2 operand), merged.
        int ab = a.rank() - 2, bb = b.rank() - 2;
        int[] batchShape = ab >= bb ? Arrays.copyOf(a.shape(), ab) : Arrays.copyOf(b.shape(), bb);
        int[] as = new int[batchShape.length], bs = new int[batchShape.length];
        for (int i = 0; i < batchShape.length; i++) {
            as[i] = ab == 0 ? 0 : a.strides()[i];
            bs[i] = bb == 0 ? 0 : b.strides()[i];
        }
        int[][] bm = merge(batchShape, as, bs);
        if (bm[0].length > 6) throw new IllegalArgumentException("matmul: more than 6 non-mergeable batch axes " + Shapes.str(batchShape));
        int batch = p.batch(), groups = reduce ? 1 : batch;

        boolean useTf32 = tf32;
        int tile = 128;
        long tiles128 = (long) ((n + 127) / 128) * ((m + 127) / 128);
        if (!useTf32 && tiles128 * groups < sms) tile = 64;
        long tiles = (long) ((n + tile - 1) / tile) * ((m + tile - 1) / tile);
        int bk = 8;
        long kTiles = (k + bk - 1) / bk;
        long seq = reduce ? (long) batch * kTiles : kTiles;
        long blocks = tiles * groups;
        long nm = (long) n * m;
        int splits = 1;
        if (blocks < 2L * sms && seq >= splitKMinTiles) {
            splits = (int) Math.min(Math.min((2L * sms + blocks - 1) / blocks, seq / 4), 64);
            long cap = (64L << 20) / Math.max(1, 4 * groups * nm);   // partials within 64 MiB
            splits = (int) Math.max(1, Math.min(splits, cap));
        }
        boolean direct = splits == 1;
        // struct MmArgs: n, k, m, 4 strides, batch, brank, bsize[6], astr[6], bstr[6], splits, reduce, accumulate, direct.
        int br = bm[0].length == 1 && bm[0][0] == 1 ? 0 : bm[0].length;
        int[] full = new int[31];
        full[0] = n; full[1] = k; full[2] = m;
        full[3] = p.aRowStride(); full[4] = p.aColStride(); full[5] = p.bRowStride(); full[6] = p.bColStride();
        full[7] = batch;
        full[8] = br;
        for (int d = 0; d < 6; d++) {
            full[9 + d] = d < br ? bm[0][d] : 1;
            full[15 + d] = d < br ? bm[1][d] : 0;
            full[21 + d] = d < br ? bm[2][d] : 0;
        }
        full[27] = splits;
        full[28] = reduce ? 1 : 0;
        full[29] = accumulate ? 1 : 0;
        full[30] = direct ? 1 : 0;
        // Which axis of each operand is contiguous picks the loader (coalesced reads).
        String suffix = (p.aColStride() == 1 ? "k" : "r") + (p.bColStride() == 1 ? "n" : "k");
        String kernel = useTf32 ? "matmul_tf32_128x128_" + suffix : "matmul_f32_" + tile + "x" + tile + "_" + suffix;
        int threads = useTf32 || tile == 128 ? 256 : 64;
        long grid = tiles * groups * splits;
        if (grid > Integer.MAX_VALUE) throw new IllegalArgumentException("matmul: " + grid + " blocks exceed one grid");
        long partialBytes = direct ? 0 : 4L * groups * splits * nm;
        long partial = direct ? 0 : rawAllocate(partialBytes);
        try {
            launch(kernel, (int) grid, 1, 1, threads, 1, 1, args().ptr(ptr(a)).ptr(ptr(b)).ptr(ptr(out)).ptr(partial).ints(full));
            if (!direct) {
                launch1d("matmul_reduce", (long) groups * nm, args().ptr(partial).ptr(ptr(out)).i32(groups).i32(splits)
                        .i32((int) nm).i32(accumulate ? 1 : 0));
            }
        } finally {
            if (partial != 0) rawFree(partial, partialBytes);
        }
    }

    // ---- rows -------------------------------------------------------------------------------------

    /** One warp per row, eight rows per block. */
    private void launchRows(String kernel, int rows, KernelArgs a) { launch(kernel, (rows + 7) / 8, 1, 1, 256, 1, 1, a); }

    private int rowsOf(Tensor x) {
        int c = x.dim(-1);
        return c == 0 ? 0 : x.numel() / c;
    }

    private void rowOp(String op, Tensor x, Tensor out, boolean log) {
        live(op, x, out);
        Checks.same(op, x, out);
        f32(op, x, out);
        if (x.rank() == 0 || x.numel() == 0) return;
        Tensor xd = dense(x);
        int c = x.dim(-1), rows = rowsOf(x);
        intoDense(out, o -> launchRows("softmax_f32", rows,
                args().ptr(ptr(xd)).ptr(ptr(o)).i32(rows).i32(c).i32(log ? 1 : 0)));
    }

    @Override public void softmax(Tensor x, Tensor out) { rowOp("softmax", x, out, false); }

    @Override public void logSoftmax(Tensor x, Tensor out) { rowOp("logSoftmax", x, out, true); }

    private void rowBackward(String op, Tensor y, Tensor gy, Tensor gx, boolean log) {
        live(op, y, gy, gx);
        Checks.same(op, y, gx);
        Checks.same(op, gy, gx);
        f32(op, y, gy, gx);
        if (y.rank() == 0 || y.numel() == 0) return;
        Tensor yd = dense(y), gd = dense(gy);
        int c = y.dim(-1), rows = rowsOf(y);
        intoDense(gx, o -> launchRows("softmax_backward_f32", rows,
                args().ptr(ptr(yd)).ptr(ptr(gd)).ptr(ptr(o)).i32(rows).i32(c).i32(log ? 1 : 0)));
    }

    @Override public void softmaxBackward(Tensor y, Tensor gy, Tensor gx) { rowBackward("softmaxBackward", y, gy, gx, false); }

    @Override public void logSoftmaxBackward(Tensor y, Tensor gy, Tensor gx) { rowBackward("logSoftmaxBackward", y, gy, gx, true); }

    @Override public void crossEntropy(Tensor logits, Tensor targets, Tensor loss, Tensor lse) {
        live("crossEntropy", logits, targets, loss, lse);
        Checks.crossEntropyShapes(logits, targets, loss, lse);
        f32("crossEntropy", logits, loss, lse);
        requireDense("crossEntropy", loss, lse);
        int rows = logits.dim(0), c = logits.dim(1);
        if (rows == 0) return;
        Tensor ld = dense(logits), td = dense(targets);
        launchRows("cross_entropy_f32", rows, args().ptr(ptr(ld)).ptr(ptr(td)).i32(td.numel())
                .ptr(ptr(loss)).ptr(ptr(lse)).i32(rows).i32(c).ptr(errorWord));
    }

    @Override public void crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, Tensor gLoss, Tensor gLogits) {
        live("crossEntropyBackward", logits, targets, lse, gLoss, gLogits);
        Checks.crossEntropyShapes(logits, targets, gLoss, lse);
        Checks.same("crossEntropyBackward", logits, gLogits);
        f32("crossEntropyBackward", logits, lse, gLoss, gLogits);
        int rows = logits.dim(0), c = logits.dim(1);
        if (rows == 0) return;
        Tensor ld = dense(logits), td = dense(targets), sd = dense(lse), gd = dense(gLoss);
        intoDense(gLogits, o -> launchRows("cross_entropy_backward_f32", rows,
                args().ptr(ptr(ld)).ptr(ptr(td)).i32(td.numel()).ptr(ptr(sd)).ptr(ptr(gd)).ptr(ptr(o)).i32(rows).i32(c)));
    }

    @Override public void layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor out, Tensor mean, Tensor rstd) {
        live("layerNorm", x, gamma, beta, out, mean, rstd);
        Checks.same("layerNorm", x, out);
        int g = Checks.groupsOf("layerNorm", x, gamma);
        Checks.groupsOf("layerNorm", x, beta);
        f32("layerNorm", x, gamma, beta, out, mean, rstd);
        requireDense("layerNorm", out, mean, rstd);
        int c = x.dim(-1), rows = rowsOf(x);
        if (rows == 0) return;
        Tensor xd = dense(x), gd = dense(gamma), bd = dense(beta);
        launchRows("layer_norm_f32", rows, args().ptr(ptr(xd)).ptr(ptr(gd)).ptr(ptr(bd)).f32((float) eps)
                .ptr(ptr(out)).ptr(ptr(mean)).ptr(ptr(rstd)).i32(rows).i32(c).i32(rows / g));
    }

    @Override public void layerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy,
                                            Tensor gx, Tensor gGamma, Tensor gBeta) {
        live("layerNormBackward", x, gamma, mean, rstd, gy, gx, gGamma, gBeta);
        Checks.same("layerNormBackward", x, gx);
        Checks.same("layerNormBackward", gy, gx);
        int g = Checks.groupsOf("layerNormBackward", x, gamma);
        f32("layerNormBackward", x, gamma, mean, rstd, gy, gx, gGamma, gBeta);
        requireDense("layerNormBackward", gx, gGamma, gBeta);
        int c = x.dim(-1), rows = rowsOf(x);
        if (rows == 0) return;
        int per = rows / g;
        Tensor xd = dense(x), gd = dense(gamma), md = dense(mean), rd = dense(rstd), yd = dense(gy);
        launchRows("layer_norm_backward_f32", rows, args().ptr(ptr(xd)).ptr(ptr(gd)).ptr(ptr(md))
                .ptr(ptr(rd)).ptr(ptr(yd)).ptr(ptr(gx)).i32(rows).i32(c).i32(per));
        int colBlocks = (c + 31) / 32;
        long base = (long) colBlocks * g;
        int chunk = chunkFor(per, 256, 64, base), splits = (per + chunk - 1) / chunk;
        long partialBytes = splits > 1 ? 8L * g * splits * c : 0;
        long partial = splits > 1 ? rawAllocate(partialBytes) : 0;
        try {
            launch("layer_norm_params_f32", colBlocks, splits, g, 32, 8, 1, args().ptr(ptr(xd)).ptr(ptr(md)).ptr(ptr(rd))
                    .ptr(ptr(yd)).ptr(ptr(gGamma)).ptr(ptr(gBeta)).ptr(partial).i32(c).i32(per).i32(splits).i32(chunk));
            if (splits > 1) {
                launch1d("layer_norm_params_finish", (long) g * c, args().ptr(partial).ptr(ptr(gGamma)).ptr(ptr(gBeta)).i32(g).i32(c)
                        .i32(splits));
            }
        } finally {
            if (partial != 0) rawFree(partial, partialBytes);
        }
    }

    // ---- attention --------------------------------------------------------------------------------

    private static int headKernel(int d) {
        if (d <= 32) return 32;
        if (d <= 64) return 64;
        if (d <= 128) return 128;
        if (d <= 256) return 256;
        throw new IllegalArgumentException("attention: the CUDA kernels take head sizes D <= 256, got " + d);
    }

    @Override public void attention(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse) {
        live("attention", q, k, v, out, lse);
        Checks.attentionShapes(q, k, v, out);
        f32("attention", q, k, v, out, lse);
        requireDense("attention", out, lse);
        if (q.numel() == 0) return;
        Tensor qd = dense(q), kd = dense(k), vd = dense(v);
        launchAttention("attention_fwd_f32_d", q, causal, args().ptr(ptr(qd)).ptr(ptr(kd)).ptr(ptr(vd)).ptr(ptr(out)).ptr(ptr(lse)));
    }

    @Override public void attentionBackward(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse,
                                            Tensor gOut, Tensor gq, Tensor gk, Tensor gv) {
        live("attentionBackward", q, k, v, out, lse, gOut, gq, gk, gv);
        Checks.attentionShapes(q, k, v, out);
        f32("attentionBackward", q, k, v, out, lse, gOut, gq, gk, gv);
        requireDense("attentionBackward", gq, gk, gv);
        if (q.numel() == 0) return;
        Tensor qd = dense(q), kd = dense(k), vd = dense(v), od = dense(out), ld = dense(lse), gd = dense(gOut);
        launchAttention("attention_bwd_f32_d", q, causal, args().ptr(ptr(qd)).ptr(ptr(kd)).ptr(ptr(vd)).ptr(ptr(od)).ptr(ptr(ld)).ptr(ptr(gd))
                .ptr(ptr(gq)).ptr(ptr(gk)).ptr(ptr(gv)));
    }

    @Override public void lastQueryAttention(Tensor q, Tensor k, Tensor v, Tensor out, Tensor p) {
        live("lastQueryAttention", q, k, v, out, p);
        LastQueryAttention.check(q, k, v, out, p);
        f32("lastQueryAttention", q, k, v, out, p);
        requireDense("lastQueryAttention", out, p);
        if (out.numel() == 0) return;
        Tensor qd = dense(q), kd = dense(k), vd = dense(v);
        launchLastQuery("attention_last_fwd_f32_d", k, args().ptr(ptr(qd)).ptr(ptr(kd)).ptr(ptr(vd)).ptr(ptr(out)).ptr(ptr(p)));
    }

    @Override public void lastQueryAttentionBackward(Tensor q, Tensor k, Tensor v, Tensor p, Tensor gOut, Tensor gq, Tensor gk,
                                                     Tensor gv) {
        live("lastQueryAttentionBackward", q, k, v, p, gOut, gq, gk, gv);
        LastQueryAttention.check(q, k, v, gOut, p);
        f32("lastQueryAttentionBackward", q, k, v, p, gOut, gq, gk, gv);
        requireDense("lastQueryAttentionBackward", gq, gk, gv);
        if (gq.numel() == 0) return;
        Tensor qd = dense(q), kd = dense(k), vd = dense(v), pd = dense(p), gd = dense(gOut);
        launchLastQuery("attention_last_bwd_f32_d", k, args().ptr(ptr(qd)).ptr(ptr(kd)).ptr(ptr(vd)).ptr(ptr(pd)).ptr(ptr(gd))
                .ptr(ptr(gq)).ptr(ptr(gk)).ptr(ptr(gv)));
    }

    /** One warp per (n, h), four per block, on the kernel built for the head size; the shape follows a's tensors. */
    private void launchLastQuery(String kernelPrefix, Tensor k, KernelArgs a) {
        int n = k.dim(0), t = k.dim(1), h = k.dim(2), d = k.dim(3);
        long rows = (long) n * h;
        launch(kernelPrefix + headKernel(d), (int) ((rows + 3) / 4), 1, 1, 128, 1, 1,
                a.i32(n).i32(t).i32(h).i32(d).f32((float) (1 / Math.sqrt(d))));
    }

    /** Four query rows per block, on the kernel built for q's head size; after a's tensors come the shape arguments. */
    private void launchAttention(String kernelPrefix, Tensor q, boolean causal, KernelArgs a) {
        int bsz = q.dim(0), t = q.dim(1), d = q.dim(2);
        long rows = (long) bsz * t;
        launch(kernelPrefix + headKernel(d), (int) ((rows + 3) / 4), 1, 1, 128, 1, 1,
                a.i32(bsz).i32(t).i32(d).i32(causal ? 1 : 0).f32((float) (1 / Math.sqrt(d))));
    }

    // ---- embeddings -------------------------------------------------------------------------------

    @Override public void gather(Tensor table, Tensor idx, Tensor out) {
        live("gather", table, idx, out);
        Checks.gather("gather", table, idx, out);
        f32("gather", table, out);
        i32("gather", idx);
        int models = table.dim(0), vocab = table.dim(1), d = table.dim(2), n = idx.dim(-1);
        long total = (long) models * n * d;
        if (total == 0) return;
        Tensor td = dense(table), id = dense(idx);
        intoDense(out, o -> launch1d("gather_f32", total, args().ptr(ptr(td)).ptr(ptr(id)).ptr(ptr(o)).i32(models).i32(vocab)
                .i32(n).i32(d).i32(idx.rank() == 2 ? 1 : 0).ptr(errorWord)));
    }

    @Override public void scatterAdd(Tensor gOut, Tensor idx, Tensor gTable) {
        live("scatterAdd", gOut, idx, gTable);
        Checks.gather("scatterAdd", gTable, idx, gOut);
        f32("scatterAdd", gOut, gTable);
        i32("scatterAdd", idx);
        requireDense("scatterAdd", gTable);
        int models = gTable.dim(0), vocab = gTable.dim(1), d = gTable.dim(2), n = idx.dim(-1);
        boolean perModel = idx.rank() == 2;
        int elements = perModel ? models * n : n;
        if (elements == 0 || d == 0 || models == 0) return;
        Tensor gd = dense(gOut), id = dense(idx);
        int keys = perModel ? models * vocab : vocab;
        int chunk = 1024;
        while ((long) ((elements + chunk - 1) / chunk) * keys > (16L << 20)) chunk *= 2;
        int chunks = (elements + chunk - 1) / chunk;
        long countsBytes = 4L * chunks * keys, keyBytes = 4L * keys, listBytes = 4L * elements;
        long counts = rawAllocate(countsBytes), totals = rawAllocate(keyBytes), starts = rawAllocate(keyBytes), list = rawAllocate(listBytes);
        try {
            launch1d("fill_b32", (long) chunks * keys, args().ptr(counts).i32(chunks * keys).i32(0));
            launch1d("scatter_count", elements, args().ptr(ptr(id)).i32(elements).i32(n).i32(vocab).i32(perModel ? 1 : 0)
                    .ptr(counts).i32(chunk).i32(keys).ptr(errorWord));
            launch1d("scatter_offsets", keys, args().ptr(counts).i32(chunks).i32(keys).ptr(totals));
            launch("scatter_scan", 1, 1, 1, 1024, 1, 1, args().ptr(totals).ptr(starts).i32(keys));
            launch("scatter_place", (chunks + 3) / 4, 1, 1, 128, 1, 1, args().ptr(ptr(id)).i32(elements).i32(n).i32(vocab)
                    .i32(perModel ? 1 : 0).ptr(counts).ptr(starts).ptr(list).i32(chunk).i32(keys).i32(chunks));
            long gridX = (long) keys * ((d + 31) / 32);
            launch("scatter_sum", (int) gridX, perModel ? 1 : models, 1, 32, 8, 1, args().ptr(ptr(gd)).ptr(list).ptr(starts)
                    .ptr(totals).ptr(ptr(gTable)).i32(n).i32(vocab).i32(d).i32(perModel ? 1 : 0).i32(keys));
        } finally {
            // Reverse order: the pool's free lists are last in, first out, so the next call gets
            // every block back in the same role (totals and starts share a size), which keeps a
            // captured graph step's addresses the same from step to step.
            rawFree(list, listBytes);
            rawFree(starts, keyBytes);
            rawFree(totals, keyBytes);
            rawFree(counts, countsBytes);
        }
    }

    // ---- optimizer --------------------------------------------------------------------------------

    private static byte[] hyper(float[] head, float[] lr, float[] wd) {
        ByteBuffer b = ByteBuffer.allocate(4 * (8 + lr.length + wd.length)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 8; i++) b.putFloat(i < head.length ? head[i] : 0f);
        for (float v : lr) b.putFloat(v);
        for (float v : wd) b.putFloat(v);
        return b.array();
    }

    @Override public void adamw(Tensor p, Tensor g, Tensor m, Tensor v, Tensor decayTarget, AdamStep h) {
        adamw(List.of(new AdamStep.Slot(p, g, m, v, decayTarget)), h);
    }

    @Override public void sgd(Tensor p, Tensor g, Tensor buf, Tensor decayTarget, SgdStep h) {
        sgd(List.of(new SgdStep.Slot(p, g, buf, decayTarget)), h);
    }

    /** Every parameter in one launch of adamw_f32, through a table of slots (GlOptSlot in common.cuh). */
    @Override public void adamw(List<AdamStep.Slot> params, AdamStep h) {
        if (inParts(params, part -> adamw(part, h))) return;
        OptTable t = new OptTable(params.size());
        for (AdamStep.Slot s : params) {
            live("adamw", s.p(), s.g(), s.m(), s.v(), s.decayTarget());
            Checks.adam(s.p(), s.g(), s.m(), s.v(), s.decayTarget(), h);
            f32("adamw", s.p(), s.g(), s.m(), s.v(), s.decayTarget());
            requireDense("adamw", s.p(), s.m(), s.v());
            Tensor td = s.decayTarget() == null ? null : dense(s.decayTarget());
            t.add(s.p(), dense(s.g()), s.m(), s.v(), td, h.models());
        }
        if (t.total == 0) return;
        double bc1 = 1 - Math.pow(h.beta1(), h.step()), bc2 = 1 - Math.pow(h.beta2(), h.step());
        float[] head = {h.beta1(), h.beta2(), h.eps(), (float) bc1, (float) bc2, Float.intBitsToFloat(h.models())};
        launchOptimizer("adamw_f32", hyper(head, h.lr(), h.weightDecay()), t);
    }

    @Override public void sgd(List<SgdStep.Slot> params, SgdStep h) {
        if (inParts(params, part -> sgd(part, h))) return;
        boolean mom = h.momentum() != 0;
        OptTable t = new OptTable(params.size());
        for (SgdStep.Slot s : params) {
            Tensor buf = mom ? s.buf() : null;
            live("sgd", s.p(), s.g(), buf, s.decayTarget());
            Checks.sgdState(s.p(), s.g(), s.buf(), s.decayTarget(), h);
            f32("sgd", s.p(), s.g(), buf, s.decayTarget());
            requireDense("sgd", s.p(), buf);
            Tensor td = s.decayTarget() == null ? null : dense(s.decayTarget());
            t.add(s.p(), dense(s.g()), buf, null, td, h.models());
        }
        if (t.total == 0) return;
        float[] head = {h.momentum(), h.dampening(), h.nesterov() ? 1f : 0f, h.step() == 1 ? 1f : 0f, Float.intBitsToFloat(h.models())};
        launchOptimizer("sgd_f32", hyper(head, h.lr(), h.weightDecay()), t);
    }

    /** Hands a list longer than one launch's table to {@code part} in pieces; false when it fits in one. */
    private static <T> boolean inParts(List<T> all, Consumer<List<T>> part) {
        if (all.size() <= OptTable.MOST) return false;
        for (int i = 0; i < all.size(); i += OptTable.MOST) part.accept(all.subList(i, Math.min(all.size(), i + OptTable.MOST)));
        return true;
    }

    /** The parameter table of a fused optimizer step: one 56-byte GlOptSlot per non-empty parameter. */
    private final class OptTable {
        static final int SLOT = 56;
        /** Slots per launch, so that a table stays a small part of the argument ring. */
        static final int MOST = 1024;
        final ByteBuffer bytes;
        int count;
        long total;

        OptTable(int capacity) { bytes = ByteBuffer.allocate(SLOT * Math.max(1, capacity)).order(ByteOrder.LITTLE_ENDIAN); }

        void add(Tensor p, Tensor g, Tensor s0, Tensor s1, Tensor target, int models) {
            int n = p.numel();
            if (n == 0) return;
            bytes.putLong(ptr(p)).putLong(ptr(g)).putLong(s0 == null ? 0 : ptr(s0)).putLong(s1 == null ? 0 : ptr(s1))
                    .putLong(target == null ? 0 : ptr(target)).putLong(total).putInt(n / models).putInt(0);
            count++;
            total += n;
        }
    }

    /** Header, learning rates and decays, then the slot table (16-byte aligned), as one block of device arguments. */
    private void launchOptimizer(String kernel, byte[] hyper, OptTable t) {
        int slotsAt = (hyper.length + 15) & ~15;
        byte[] block = Arrays.copyOf(hyper, slotsAt + t.count * OptTable.SLOT);
        System.arraycopy(t.bytes.array(), 0, block, slotsAt, t.count * OptTable.SLOT);
        long args = deviceArgs(block);
        launch1d(kernel, t.total, args().ptr(args).ptr(args + slotsAt).i32(t.count).i64(t.total));
    }

    // ---- randomness -------------------------------------------------------------------------------

    @Override public void dropoutMask(int seed, int stream, long counter, double p, Tensor mask) {
        live("dropoutMask", mask);
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        f32("dropoutMask", mask);
        int n = mask.numel();
        if (n == 0) return;
        byte[] block = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putInt(seed).putInt(stream).putLong(counter)
                .putDouble(p).putFloat((float) (1 / (1 - p))).putInt(0).array();
        long ap = deviceArgs(block);
        intoDense(mask, o -> launch1d("dropout_mask_f32", (n + 3) / 4, args().ptr(ptr(o)).i32(n).ptr(ap)));
    }

    // ---- walkers ----------------------------------------------------------------------------------

    /** Walkers held on the host, stepped on this device (uploaded and downloaded around each call). */
    public dev.groklab.walkers.LangevinKernel hostWalkers() {
        return new dev.groklab.backend.DeviceLangevinKernel(this, "cuda", this::langevin);
    }

    /**
     * Advances n walkers held on this device (dense float32 [n] coordinates; momenta p0, p1 used
     * when the step has momentum, else they may be null) by {@code steps} Langevin steps,
     * numbered from {@code stepFrom} (the step names the noise draw, as on the CPU). One launch;
     * each walker stays in registers for all the steps.
     */
    public void langevin(LangevinStep step, Tensor x0, Tensor x1, Tensor p0, Tensor p1, int stepFrom, int steps) {
        boolean momentum = step.beta() != 0;
        live("langevin", x0, x1, momentum ? p0 : null, momentum ? p1 : null);
        f32("langevin", x0, x1, momentum ? p0 : null, momentum ? p1 : null);
        requireDense("langevin", x0, x1, momentum ? p0 : null, momentum ? p1 : null);
        if (stepFrom < 0 || steps < 0 || (long) stepFrom + steps > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--steps must keep step numbers in 0.." + Integer.MAX_VALUE);
        }
        int n = x0.numel();
        if (x1.numel() != n || (momentum && (p0.numel() != n || p1.numel() != n))) {
            throw new IllegalArgumentException("langevin: coordinate tensors differ in length");
        }
        if (n == 0 || steps == 0) return;
        PotentialForm f = step.form();
        boolean crossing = f.kind() == PotentialForm.Kind.CROSSING_AXES;
        float beta = step.beta();
        ByteBuffer b = ByteBuffer.allocate(4 * (20 + 2 * PotentialForm.MAX_LINES)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(step.seed()).putInt(stepFrom).putInt(steps).putInt(f.lines());
        b.putFloat(step.dt()).putFloat(step.sigma()).putFloat(beta).putFloat(-(1 - beta));
        b.putFloat(f.kq()).putFloat(f.kcx()).putFloat(f.kcy()).putFloat(f.twoA());
        b.putFloat(f.px()).putFloat(f.py()).putFloat(step.domain().halfWidth()).putInt(step.domain().torus() ? 1 : 0);
        b.putInt(momentum ? 1 : 0).putInt(0).putInt(0).putInt(0);
        for (int i = 0; i < PotentialForm.MAX_LINES; i++) b.putFloat(i < f.lines() ? f.nx()[i] : 0f);
        for (int i = 0; i < PotentialForm.MAX_LINES; i++) b.putFloat(i < f.lines() ? f.ny()[i] : 0f);
        long ap = deviceArgs(b.array());
        String kernel = "langevin_" + (crossing ? "crossing" : "lines") + (exactWalkerMath ? "_exact" : "_fast");
        launch1d(kernel, n, args().ptr(ptr(x0)).ptr(ptr(x1)).ptr(momentum ? ptr(p0) : 0).ptr(momentum ? ptr(p1) : 0).i32(n).ptr(ap));
    }

    /** Uniform starts in [−L, L)² from Philox stream INIT, as {@code Walkers.uniform}. */
    public void uniformWalkers(int seed, float halfWidth, Tensor x0, Tensor x1) {
        live("uniformWalkers", x0, x1);
        f32("uniformWalkers", x0, x1);
        requireDense("uniformWalkers", x0, x1);
        int n = x0.numel();
        if (x1.numel() != n) throw new IllegalArgumentException("uniformWalkers: coordinate tensors differ in length");
        if (n == 0) return;
        launch1d("walkers_uniform", n, args().ptr(ptr(x0)).ptr(ptr(x1)).i32(n).i32(seed).f32(halfWidth));
    }

    /** A CPU tensor's host memory, for callers that hold one (tests). */
    static MemorySegment hostMemory(Tensor t) { return ((CpuStorage) t.storage()).segment(); }
}
