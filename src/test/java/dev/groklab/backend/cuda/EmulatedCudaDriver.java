package dev.groklab.backend.cuda;

import dev.groklab.backend.Binary;
import dev.groklab.backend.ScalarOp;
import dev.groklab.backend.Unary;
import dev.groklab.backend.cpu.ReferenceBackend;
import dev.groklab.rng.Philox;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A CUDA driver emulated on the host, for testing the backend's host code where no GPU is: device
 * memory is one native segment, a launch runs a Java model of the kernel that decodes the
 * parameter bytes exactly as the .cu signature lays them out, and stream capture records
 * operations into a graph instead of running them (refusing what CUDA refuses during capture:
 * pageable host copies and synchronization). The models compute what each kernel computes,
 * block decomposition included where it changes the arithmetic (split sums), so argument
 * marshalling, layouts, split heuristics, graph capture and replay are exercised; the CUDA code
 * itself is only tested on a GPU.
 */
final class EmulatedCudaDriver implements CudaDriver {
    private static final long SIZE = 3L << 30;
    private final MemorySegment mem = Arena.ofShared().allocate(SIZE, 4096);
    private final long base = mem.address();
    private long top = 4096;
    private final List<List<Runnable>> graphs = new ArrayList<>();
    private List<Runnable> capturing;
    int launches;

    @Override public String name() { return "emulated"; }
    @Override public void init() {}
    @Override public int driverVersion() { return 13000; }
    @Override public int deviceCount() { return 1; }
    @Override public int device(int ordinal) { return ordinal; }
    @Override public String deviceName(int device) { return "Emulated CUDA device"; }

    @Override public int deviceAttribute(int device, int attribute) {
        return switch (attribute) {
            case ATTR_CC_MAJOR -> 9;
            case ATTR_CC_MINOR -> 0;
            case ATTR_MULTIPROCESSOR_COUNT -> 132;
            default -> 0;
        };
    }

    @Override public long deviceTotalMem(int device) { return SIZE; }
    @Override public long primaryContextRetain(int device) { return 1; }
    @Override public void contextSetCurrent(long context) {}
    @Override public long[] memGetInfo() { return new long[]{SIZE - top, SIZE}; }
    @Override public long moduleLoadData(byte[] image) { return 1; }

    private final List<String> names = new ArrayList<>();

    @Override public synchronized long moduleGetFunction(long module, String name) {
        names.add(name);
        return names.size();
    }

    @Override public synchronized long memAlloc(long bytes) {
        long at = (top + 255) / 256 * 256;
        if (at + bytes > SIZE) throw new CudaException("cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY");
        top = at + bytes;
        return base + at;
    }

    @Override public void memFree(long dptr) {}

    private long off(long address) {
        long o = address - base;
        if (o < 0 || o >= SIZE) throw new IllegalStateException("emulated device: address " + Long.toHexString(address) + " is not device memory");
        return o;
    }

    private void enqueue(String call, Runnable r) {
        if (capturing != null) capturing.add(r);
        else r.run();
    }

    private void refuseInCapture(String call) {
        if (capturing != null) throw new CudaException(call, 900, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED");
    }

    @Override public void memcpyHtoDAsync(long dst, MemorySegment src, long bytes, long stream) {
        refuseInCapture("cuMemcpyHtoDAsync_v2");
        MemorySegment.copy(src, 0, mem, off(dst), bytes);
    }

    @Override public void memcpyDtoHAsync(MemorySegment dst, long src, long bytes, long stream) {
        refuseInCapture("cuMemcpyDtoHAsync_v2");
        MemorySegment.copy(mem, off(src), dst, 0, bytes);
    }

    @Override public void memcpyDtoDAsync(long dst, long src, long bytes, long stream) {
        enqueue("cuMemcpyDtoDAsync_v2", () -> MemorySegment.copy(mem, off(src), mem, off(dst), bytes));
    }

    @Override public void memsetD32Async(long dst, int value, long count, long stream) {
        enqueue("cuMemsetD32Async", () -> {
            for (long i = 0; i < count; i++) mem.set(JAVA_INT, off(dst) + 4 * i, value);
        });
    }

    /**
     * Parameter sizes of every compiled entry point (kernels/cuda/params.tsv, written from the
     * PTX by native/cuda/build.sh), or null when the build had no nvcc.
     */
    static final Map<String, int[]> PARAMS = readParams();

    private static Map<String, int[]> readParams() {
        try (InputStream in = EmulatedCudaDriver.class.getClassLoader().getResourceAsStream("kernels/cuda/params.tsv")) {
            if (in == null) return null;
            Map<String, int[]> m = new HashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) continue;
                String[] f = line.split("\t");
                m.put(f[0], f.length < 2 || f[1].isEmpty() ? new int[0]
                        : Arrays.stream(f[1].split(",")).mapToInt(Integer::parseInt).toArray());
            }
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The launch's parameters, in count and sizes, against the compiled kernel's signature. */
    static void checkSignature(String name, KernelArgs args) {
        if (PARAMS == null) return;
        int[] want = PARAMS.get(name);
        if (want == null) throw new CudaException("cuModuleGetFunction(" + name + ")", 500, "CUDA_ERROR_NOT_FOUND");
        int[] got = new int[args.count()];
        for (int i = 0; i < got.length; i++) got[i] = args.size(i);
        if (!Arrays.equals(want, got)) {
            throw new IllegalStateException("launch of " + name + " passes parameters of " + Arrays.toString(got)
                    + " bytes; the compiled kernel takes " + Arrays.toString(want));
        }
    }

    @Override public void launchKernel(long function, int gx, int gy, int gz, int bx, int by, int bz, int shared, long stream, KernelArgs args) {
        String name;
        synchronized (this) { name = names.get((int) function - 1); }
        checkSignature(name, args);
        Args a = new Args(args);
        int[] grid = {gx, gy, gz}, block = {bx, by, bz};
        if ((long) gx * gy * gz == 0 || (long) bx * by * bz == 0 || (long) bx * by * bz > 1024) {
            throw new CudaException("cuLaunchKernel(" + name + ")", 1, "CUDA_ERROR_INVALID_VALUE");
        }
        enqueue("cuLaunchKernel", () -> {
            launches++;
            run(name, grid, block, a);
        });
    }

    @Override public long streamCreate(int flags) { return 1; }
    @Override public void streamDestroy(long stream) {}
    @Override public void streamSynchronize(long stream) { refuseInCapture("cuStreamSynchronize"); }

    @Override public void streamBeginCapture(long stream, int mode) {
        if (capturing != null) throw new CudaException("cuStreamBeginCapture_v2", 900, "CUDA_ERROR_ILLEGAL_STATE");
        capturing = new ArrayList<>();
    }

    @Override public synchronized long streamEndCapture(long stream) {
        if (capturing == null) throw new CudaException("cuStreamEndCapture", 901, "CUDA_ERROR_STREAM_CAPTURE_UNMATCHED");
        graphs.add(capturing);
        capturing = null;
        return graphs.size();
    }

    @Override public long graphInstantiate(long graph) { return graph; }

    @Override public synchronized void graphLaunch(long exec, long stream) {
        refuseInCapture("cuGraphLaunch");
        for (Runnable r : graphs.get((int) exec - 1)) r.run();
    }

    @Override public void graphExecDestroy(long exec) {}
    @Override public void graphDestroy(long graph) {}
    @Override public long eventCreate(int flags) { return 1; }
    @Override public void eventRecord(long event, long stream) {}
    @Override public void eventSynchronize(long event) {}
    @Override public float eventElapsedMs(long start, long end) { return 1f; }
    @Override public void eventDestroy(long event) {}

    // ---- parameters -----------------------------------------------------------------------------

    /** The launch's parameter bytes, decoded in declaration order. */
    private static final class Args {
        private final ByteBuffer b;
        private final int[] offsets;
        private int next;

        Args(KernelArgs a) {
            byte[] copy = java.util.Arrays.copyOf(a.data(), a.length());
            b = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
            offsets = new int[a.count()];
            for (int i = 0; i < offsets.length; i++) offsets[i] = a.offset(i);
        }

        Args rewind() { next = 0; return this; }
        long ptr() { return b.getLong(offsets[next++]); }
        int i32() { return b.getInt(offsets[next++]); }
        float f32() { return b.getFloat(offsets[next++]); }
        double f64() { return b.getDouble(offsets[next++]); }
        long i64() { return b.getLong(offsets[next++]); }
        int[] ints(int n) {
            int at = offsets[next++];
            int[] v = new int[n];
            for (int i = 0; i < n; i++) v[i] = b.getInt(at + 4 * i);
            return v;
        }
    }

    /** A GlOptSlot of a fused optimizer step's table (common.cuh): five pointers, first element, elements, per model. */
    private record OptSlot(long p, long g, long s0, long s1, long target, long start, int per) {}

    private OptSlot optSlot(long slots, int k) {
        long o = off(slots) + 56L * k;
        return new OptSlot(mem.get(JAVA_LONG, o), mem.get(JAVA_LONG, o + 8), mem.get(JAVA_LONG, o + 16), mem.get(JAVA_LONG, o + 24),
                mem.get(JAVA_LONG, o + 32), mem.get(JAVA_LONG, o + 40), mem.get(JAVA_INT, o + 48));
    }

    private float f(long p, long i) { return mem.get(JAVA_FLOAT, off(p) + 4 * i); }
    private void f(long p, long i, float v) { mem.set(JAVA_FLOAT, off(p) + 4 * i, v); }
    private int in(long p, long i) { return mem.get(JAVA_INT, off(p) + 4 * i); }
    private void in(long p, long i, int v) { mem.set(JAVA_INT, off(p) + 4 * i, v); }

    /** gl_offset: element offset of flat index i over (rank, size[8], stride[8]) at v[from..]. */
    private static long offset(long i, int rank, int[] v, int sizeAt, int strideAt) {
        long o = 0;
        for (int d = rank - 1; d >= 0; d--) {
            int sz = v[sizeAt + d];
            o += (i % sz) * v[strideAt + d];
            i /= sz;
        }
        return o;
    }

    private void report(long err, int code, int a, int b, int c) {
        if (in(err, 0) == 0) {
            in(err, 0, code);
            in(err, 1, a);
            in(err, 2, b);
            in(err, 3, c);
        }
    }

    // ---- kernel models --------------------------------------------------------------------------

    private void run(String name, int[] grid, int[] block, Args a) {
        a.rewind();
        if (name.startsWith("copy_")) { copy(name, a); return; }
        if (name.startsWith("matmul_") && !name.equals("matmul_reduce")) { matmul(name, grid, a); return; }
        if (name.startsWith("attention_last_fwd")) { lastQueryFwd(a); return; }
        if (name.startsWith("attention_last_bwd")) { lastQueryBwd(a); return; }
        if (name.startsWith("attention_fwd")) { attentionFwd(a); return; }
        if (name.startsWith("attention_bwd")) { attentionBwd(a); return; }
        if (name.startsWith("langevin_")) { langevin(name, a); return; }
        switch (name) {
            case "spin" -> { }   // holds the GPU; nothing to model
            case "fill_b32" -> { long o = a.ptr(); int n = a.i32(); int bits = a.i32(); for (int i = 0; i < n; i++) in(o, i, bits); }
            case "fill_b64" -> { long o = a.ptr(); int n = a.i32(); long bits = a.i64(); for (int i = 0; i < n; i++) mem.set(JAVA_LONG, off(o) + 8L * i, bits); }
            case "unary_f32" -> {
                Unary op = Unary.values()[a.i32()];
                long x = a.ptr(), out = a.ptr();
                int n = a.i32();
                int[] l = a.ints(33);
                boolean dense = a.i32() == 1;
                for (int i = 0; i < n; i++) f(out, i, (float) ReferenceBackend.unary(op, f(x, dense ? i : offset(i, l[0], l, 1, 9))));
            }
            case "unary_backward_f32" -> {
                Unary op = Unary.values()[a.i32()];
                long x = a.ptr(), y = a.ptr(), gy = a.ptr(), gx = a.ptr();
                int n = a.i32();
                int[] l = a.ints(33);
                boolean dense = a.i32() == 1;
                for (int i = 0; i < n; i++) {
                    float xv = f(x, dense ? i : offset(i, l[0], l, 1, 9)), yv = f(y, dense ? i : offset(i, l[0], l, 1, 17));
                    float gv = f(gy, dense ? i : offset(i, l[0], l, 1, 25));
                    f(gx, i, gv * (float) ReferenceBackend.derivative(op, xv, yv));
                }
            }
            case "scalar_f32" -> {
                ScalarOp op = ScalarOp.values()[a.i32()];
                long x = a.ptr();
                double sv = a.f64();
                long out = a.ptr();
                int n = a.i32();
                int[] l = a.ints(33);
                boolean dense = a.i32() == 1;
                for (int i = 0; i < n; i++) f(out, i, (float) ReferenceBackend.scalar(op, f(x, dense ? i : offset(i, l[0], l, 1, 9)), sv));
            }
            case "binary_f32" -> {
                Binary op = Binary.values()[a.i32()];
                long x = a.ptr(), y = a.ptr(), out = a.ptr();
                int n = a.i32();
                int[] l = a.ints(33);
                boolean dense = a.i32() == 1;
                float[] r = new float[n];
                for (int i = 0; i < n; i++) {
                    float xv = f(x, dense ? i : offset(i, l[0], l, 1, 9)), yv = f(y, dense ? i : offset(i, l[0], l, 1, 17));
                    r[i] = (float) ReferenceBackend.binary(op, xv, yv);
                }
                for (int i = 0; i < n; i++) f(out, i, r[i]);
            }
            case "sum_to_f32" -> sumTo(grid, a);
            case "sum_to_finish" -> {
                long partial = a.ptr(), out = a.ptr();
                int nOut = a.i32(), splits = a.i32();
                boolean acc = a.i32() == 1;
                for (int o = 0; o < nOut; o++) {
                    float t = 0;
                    for (int s = 0; s < splits; s++) t += f(partial, (long) s * nOut + o);
                    f(out, o, (acc ? f(out, o) : 0f) + t);
                }
            }
            case "matmul_reduce" -> {
                long partial = a.ptr(), c = a.ptr();
                int groups = a.i32(), splits = a.i32(), nm = a.i32();
                boolean acc = a.i32() == 1;
                for (long i = 0; i < (long) groups * nm; i++) {
                    long g = i / nm, o = i % nm;
                    float t = 0;
                    for (int s = 0; s < splits; s++) t += f(partial, (g * splits + s) * nm + o);
                    f(c, i, acc ? f(c, i) + t : t);
                }
            }
            case "softmax_f32" -> {
                long x = a.ptr(), out = a.ptr();
                int rows = a.i32(), c = a.i32();
                boolean log = a.i32() == 1;
                for (int r = 0; r < rows; r++) {
                    long b0 = (long) r * c;
                    float mx = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < c; j++) mx = Math.max(mx, f(x, b0 + j));
                    float s = 0;
                    for (int j = 0; j < c; j++) s += (float) Math.exp(f(x, b0 + j) - mx);
                    for (int j = 0; j < c; j++) {
                        f(out, b0 + j, log ? f(x, b0 + j) - (mx + (float) Math.log(s)) : (float) Math.exp(f(x, b0 + j) - mx) / s);
                    }
                }
            }
            case "softmax_backward_f32" -> {
                long y = a.ptr(), gy = a.ptr(), gx = a.ptr();
                int rows = a.i32(), c = a.i32();
                boolean log = a.i32() == 1;
                for (int r = 0; r < rows; r++) {
                    long b0 = (long) r * c;
                    float s = 0;
                    for (int j = 0; j < c; j++) s += log ? f(gy, b0 + j) : f(gy, b0 + j) * f(y, b0 + j);
                    for (int j = 0; j < c; j++) {
                        float yv = f(y, b0 + j), g = f(gy, b0 + j);
                        f(gx, b0 + j, log ? g - (float) Math.exp(yv) * s : yv * (g - s));
                    }
                }
            }
            case "cross_entropy_f32" -> {
                long x = a.ptr(), tg = a.ptr();
                int nt = a.i32();
                long loss = a.ptr(), lse = a.ptr();
                int rows = a.i32(), c = a.i32();
                long err = a.ptr();
                for (int r = 0; r < rows; r++) {
                    long b0 = (long) r * c;
                    float mx = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < c; j++) mx = Math.max(mx, f(x, b0 + j));
                    float s = 0;
                    for (int j = 0; j < c; j++) s += (float) Math.exp(f(x, b0 + j) - mx);
                    float l = mx + (float) Math.log(s);
                    int t = in(tg, r % nt);
                    f(lse, r, l);
                    if (t < 0 || t >= c) { report(err, 3, t, c, r); f(loss, r, Float.NaN); }
                    else f(loss, r, l - f(x, b0 + t));
                }
            }
            case "cross_entropy_backward_f32" -> {
                long x = a.ptr(), tg = a.ptr();
                int nt = a.i32();
                long lse = a.ptr(), gl = a.ptr(), gx = a.ptr();
                int rows = a.i32(), c = a.i32();
                for (int r = 0; r < rows; r++) {
                    long b0 = (long) r * c;
                    float g = f(gl, r), l = f(lse, r);
                    int t = in(tg, r % nt);
                    boolean valid = t >= 0 && t < c;
                    for (int j = 0; j < c; j++) {
                        float p = (float) Math.exp(f(x, b0 + j) - l);
                        f(gx, b0 + j, valid ? g * (p - (j == t ? 1f : 0f)) : 0f);
                    }
                }
            }
            case "layer_norm_f32" -> {
                long x = a.ptr(), gamma = a.ptr(), beta = a.ptr();
                float eps = a.f32();
                long out = a.ptr(), mean = a.ptr(), rstd = a.ptr();
                int rows = a.i32(), c = a.i32(), per = a.i32();
                for (int r = 0; r < rows; r++) {
                    long b0 = (long) r * c, pb = (long) (r / per) * c;
                    float s = 0;
                    for (int j = 0; j < c; j++) s += f(x, b0 + j);
                    float mu = s / c, v = 0;
                    for (int j = 0; j < c; j++) { float d = f(x, b0 + j) - mu; v += d * d; }
                    float rs = 1f / (float) Math.sqrt(v / c + eps);
                    f(mean, r, mu);
                    f(rstd, r, rs);
                    for (int j = 0; j < c; j++) f(out, b0 + j, (f(x, b0 + j) - mu) * rs * f(gamma, pb + j) + f(beta, pb + j));
                }
            }
            case "layer_norm_backward_f32" -> {
                long x = a.ptr(), gamma = a.ptr(), mean = a.ptr(), rstd = a.ptr(), gy = a.ptr(), gx = a.ptr();
                int rows = a.i32(), c = a.i32(), per = a.i32();
                for (int r = 0; r < rows; r++) {
                    long b0 = (long) r * c, pb = (long) (r / per) * c;
                    float mu = f(mean, r), rs = f(rstd, r), sd = 0, sdx = 0;
                    for (int j = 0; j < c; j++) {
                        float xh = (f(x, b0 + j) - mu) * rs, d = f(gy, b0 + j) * f(gamma, pb + j);
                        sd += d;
                        sdx += d * xh;
                    }
                    sd /= c;
                    sdx /= c;
                    for (int j = 0; j < c; j++) {
                        float xh = (f(x, b0 + j) - mu) * rs, d = f(gy, b0 + j) * f(gamma, pb + j);
                        f(gx, b0 + j, rs * (d - sd - xh * sdx));
                    }
                }
            }
            case "layer_norm_params_f32" -> {
                long x = a.ptr(), mean = a.ptr(), rstd = a.ptr(), gy = a.ptr(), gg = a.ptr(), gb = a.ptr(), partial = a.ptr();
                int c = a.i32(), per = a.i32(), splits = a.i32(), chunk = a.i32();
                if (grid[0] != (c + 31) / 32 || grid[1] != splits) throw new IllegalStateException("layer_norm_params_f32: grid " + java.util.Arrays.toString(grid));
                for (int g = 0; g < grid[2]; g++) {
                    for (int s = 0; s < splits; s++) {
                        int r0 = s * chunk, r1 = Math.min(per, r0 + chunk);
                        for (int col = 0; col < c; col++) {
                            float tg = 0, tb = 0;
                            for (int r = r0; r < r1; r++) {
                                int row = g * per + r;
                                long i = (long) row * c + col;
                                tg += f(gy, i) * (f(x, i) - f(mean, row)) * f(rstd, row);
                                tb += f(gy, i);
                            }
                            if (splits == 1) {
                                f(gg, (long) g * c + col, f(gg, (long) g * c + col) + tg);
                                f(gb, (long) g * c + col, f(gb, (long) g * c + col) + tb);
                            } else {
                                long pp = ((long) g * splits + s) * 2L * c;
                                f(partial, pp + col, tg);
                                f(partial, pp + c + col, tb);
                            }
                        }
                    }
                }
            }
            case "layer_norm_params_finish" -> {
                long partial = a.ptr(), gg = a.ptr(), gb = a.ptr();
                int groups = a.i32(), c = a.i32(), splits = a.i32();
                for (int i = 0; i < groups * c; i++) {
                    int g = i / c, col = i % c;
                    float tg = 0, tb = 0;
                    for (int s = 0; s < splits; s++) {
                        long pp = ((long) g * splits + s) * 2L * c;
                        tg += f(partial, pp + col);
                        tb += f(partial, pp + c + col);
                    }
                    f(gg, i, f(gg, i) + tg);
                    f(gb, i, f(gb, i) + tb);
                }
            }
            case "gather_f32" -> {
                long table = a.ptr(), idx = a.ptr(), out = a.ptr();
                int m = a.i32(), vocab = a.i32(), n = a.i32(), d = a.i32();
                boolean perModel = a.i32() == 1;
                long err = a.ptr();
                for (long e = 0; e < (long) m * n * d; e++) {
                    long row = e / d;
                    int col = (int) (e % d), mi = (int) (row / n), ni = (int) (row % n);
                    int v = in(idx, perModel ? row : ni);
                    if (v < 0 || v >= vocab) { if (col == 0) report(err, 1, v, vocab, ni); f(out, e, 0f); }
                    else f(out, e, f(table, ((long) mi * vocab + v) * d + col));
                }
            }
            case "scatter_count" -> {
                long idx = a.ptr();
                int elements = a.i32(), n = a.i32(), vocab = a.i32();
                boolean perModel = a.i32() == 1;
                long counts = a.ptr();
                int chunk = a.i32(), keys = a.i32();
                long err = a.ptr();
                for (int e = 0; e < elements; e++) {
                    int v = in(idx, e);
                    if (v < 0 || v >= vocab) { report(err, 2, v, vocab, e % n); continue; }
                    int key = perModel ? (e / n) * vocab + v : v;
                    long at = (long) (e / chunk) * keys + key;
                    in(counts, at, in(counts, at) + 1);
                }
            }
            case "scatter_offsets" -> {
                long counts = a.ptr();
                int chunks = a.i32(), keys = a.i32();
                long totals = a.ptr();
                for (int key = 0; key < keys; key++) {
                    int run = 0;
                    for (int c = 0; c < chunks; c++) {
                        long i = (long) c * keys + key;
                        int cnt = in(counts, i);
                        in(counts, i, run);
                        run += cnt;
                    }
                    in(totals, key, run);
                }
            }
            case "scatter_scan" -> {
                if (block[0] != 1024) throw new IllegalStateException("scatter_scan needs 1024 threads");
                long totals = a.ptr(), starts = a.ptr();
                int keys = a.i32(), run = 0;
                for (int k = 0; k < keys; k++) { in(starts, k, run); run += in(totals, k); }
            }
            case "scatter_place" -> {
                long idx = a.ptr();
                int elements = a.i32(), n = a.i32(), vocab = a.i32();
                boolean perModel = a.i32() == 1;
                long cursors = a.ptr(), starts = a.ptr(), list = a.ptr();
                int chunk = a.i32(), keys = a.i32(), chunks = a.i32();
                if ((long) grid[0] * (block[0] / 32) < chunks) throw new IllegalStateException("scatter_place: too few warps");
                for (int c = 0; c < chunks; c++) {
                    for (int e = c * chunk; e < Math.min(elements, (c + 1) * chunk); e++) {
                        int v = in(idx, e);
                        if (v < 0 || v >= vocab) continue;
                        int key = perModel ? (e / n) * vocab + v : v;
                        long cur = (long) c * keys + key;
                        in(list, in(starts, key) + in(cursors, cur), e);
                        in(cursors, cur, in(cursors, cur) + 1);
                    }
                }
            }
            case "scatter_sum" -> {
                long gOut = a.ptr(), list = a.ptr(), starts = a.ptr(), totals = a.ptr(), table = a.ptr();
                int n = a.i32(), vocab = a.i32(), d = a.i32();
                boolean perModel = a.i32() == 1;
                int keys = a.i32();
                if (grid[0] != keys * ((d + 31) / 32)) throw new IllegalStateException("scatter_sum: grid " + grid[0]);
                for (int m = 0; m < grid[1]; m++) {
                    for (int key = 0; key < keys; key++) {
                        int cnt = in(totals, key), start = in(starts, key);
                        if (cnt == 0) continue;
                        for (int col = 0; col < d; col++) {
                            float[] part = new float[8];
                            for (int s = 0; s < cnt; s++) {
                                long row = (perModel ? 0 : (long) m * n) + in(list, start + s);
                                part[s % 8] += f(gOut, row * d + col);
                            }
                            float t = part[0];
                            for (int j = 1; j < 8; j++) t += part[j];
                            long trow = perModel ? key : (long) m * vocab + key;
                            f(table, trow * d + col, f(table, trow * d + col) + t);
                        }
                    }
                }
            }
            case "adamw_f32" -> {
                long args = a.ptr(), slots = a.ptr();
                int count = a.i32();
                long total = a.i64();
                float b1 = f(args, 0), b2 = f(args, 1), eps = f(args, 2), bc1 = f(args, 3), bc2 = f(args, 4);
                int models = in(args, 5);
                for (int k = 0; k < count; k++) {
                    OptSlot s = optSlot(slots, k);
                    long n = (k + 1 < count ? optSlot(slots, k + 1).start() : total) - s.start();
                    for (int i = 0; i < n; i++) {
                        int model = i / s.per();
                        float lr = f(args, 8 + model), wd = f(args, 8 + models + model);
                        float pi = f(s.p(), i), gi = f(s.g(), i), center = s.target() == 0 ? 0f : f(s.target(), i);
                        pi -= lr * wd * (pi - center);
                        float mi = b1 * f(s.s0(), i) + (1 - b1) * gi, vi = b2 * f(s.s1(), i) + (1 - b2) * gi * gi;
                        pi -= lr * (mi / bc1) / ((float) Math.sqrt(vi / bc2) + eps);
                        f(s.s0(), i, mi);
                        f(s.s1(), i, vi);
                        f(s.p(), i, pi);
                    }
                }
            }
            case "sgd_f32" -> {
                long args = a.ptr(), slots = a.ptr();
                int count = a.i32();
                long total = a.i64();
                float mu = f(args, 0), damp = f(args, 1);
                boolean nesterov = f(args, 2) != 0, first = f(args, 3) != 0;
                int models = in(args, 4);
                for (int k = 0; k < count; k++) {
                    OptSlot s = optSlot(slots, k);
                    long buf = s.s0();
                    long n = (k + 1 < count ? optSlot(slots, k + 1).start() : total) - s.start();
                    for (int i = 0; i < n; i++) {
                        int model = i / s.per();
                        float pi = f(s.p(), i);
                        float gi = f(s.g(), i) + f(args, 8 + models + model) * (pi - (s.target() == 0 ? 0f : f(s.target(), i)));
                        if (buf != 0) {
                            float bv = first ? gi : mu * f(buf, i) + (1 - damp) * gi;
                            f(buf, i, bv);
                            gi = nesterov ? gi + mu * bv : bv;
                        }
                        f(s.p(), i, pi - f(args, 8 + model) * gi);
                    }
                }
            }
            case "dropout_mask_f32" -> {
                long mask = a.ptr();
                int n = a.i32();
                long args = a.ptr();
                long o = off(args);
                int seed = mem.get(JAVA_INT, o), stream = mem.get(JAVA_INT, o + 4);
                long counter = mem.get(JAVA_LONG, o + 8);
                double p = mem.get(JAVA_DOUBLE, o + 16);
                float keep = mem.get(JAVA_FLOAT, o + 24);
                for (int i = 0; i < n; i++) f(mask, i, Philox.uniformAt(seed, stream, i, counter) < p ? 0f : keep);
            }
            case "walkers_uniform" -> {
                long x0 = a.ptr(), x1 = a.ptr();
                int n = a.i32(), seed = a.i32();
                float l = a.f32();
                var w = dev.groklab.walkers.Walkers.uniform(n, l, seed);
                for (int i = 0; i < n; i++) { f(x0, i, w.x0[i]); f(x1, i, w.x1[i]); }
            }
            default -> throw new IllegalStateException("emulated device: no model of kernel " + name);
        }
    }

    private void copy(String name, Args a) {
        String[] t = name.split("_");
        long src = a.ptr(), dst = a.ptr();
        int n = a.i32();
        int[] l = a.ints(25);
        boolean dense = a.i32() == 1;
        for (int i = 0; i < n; i++) {
            long so = dense ? i : offset(i, l[0], l, 1, 9), d = dense ? i : offset(i, l[0], l, 1, 17);
            double v = switch (t[1]) {
                case "f32" -> mem.get(JAVA_FLOAT, off(src) + 4 * so);
                case "f64" -> mem.get(JAVA_DOUBLE, off(src) + 8 * so);
                default -> mem.get(JAVA_INT, off(src) + 4 * so);
            };
            switch (t[2]) {
                case "f32" -> mem.set(JAVA_FLOAT, off(dst) + 4 * d, (float) v);
                case "f64" -> mem.set(JAVA_DOUBLE, off(dst) + 8 * d, v);
                default -> mem.set(JAVA_INT, off(dst) + 4 * d, (int) v);
            }
        }
    }

    private void sumTo(int[] grid, Args a) {
        long x = a.ptr(), out = a.ptr(), partial = a.ptr();
        int nOut = a.i32(), nRed = a.i32();
        int[] l = a.ints(34);
        int splits = a.i32(), chunk = a.i32();
        boolean acc = a.i32() == 1, rowStyle = a.i32() == 1;
        int per = rowStyle ? 8 : 32;
        if (grid[0] != (nOut + per - 1) / per || grid[1] != splits) throw new IllegalStateException("sum_to_f32: grid " + java.util.Arrays.toString(grid));
        for (int s = 0; s < splits; s++) {
            int r0 = s * chunk, r1 = Math.min(nRed, r0 + chunk);
            for (int o = 0; o < nOut; o++) {
                long b0 = offset(o, l[0], l, 1, 9);
                float[] lanes = new float[rowStyle ? 32 : 8];
                for (int r = r0; r < r1; r++) {
                    lanes[(r - r0) % lanes.length] += f(x, b0 + offset(r, l[17], l, 18, 26));
                }
                float t = 0;
                for (float v : lanes) t += v;
                if (splits == 1) f(out, o, (acc ? f(out, o) : 0f) + t);
                else f(partial, (long) s * nOut + o, t);
            }
        }
    }

    private void matmul(String name, int[] grid, Args a) {
        long A = a.ptr(), B = a.ptr(), C = a.ptr(), partial = a.ptr();
        int[] p = a.ints(31);
        int n = p[0], k = p[1], m = p[2], ars = p[3], acs = p[4], brs = p[5], bcs = p[6], batch = p[7], brank = p[8];
        int splits = p[27];
        boolean reduce = p[28] == 1, accumulate = p[29] == 1, direct = p[30] == 1;
        int tile = name.contains("64x64") ? 64 : 128, bk = 8;
        // The layout suffix must match the operands (the loaders assume it for coalescing, not correctness).
        String suffix = name.substring(name.lastIndexOf('_') + 1);
        if (suffix.charAt(0) == 'k' && acs != 1 || suffix.charAt(1) == 'n' && bcs != 1) throw new IllegalStateException(name + " for strides " + acs + ", " + bcs);
        int tilesM = (m + tile - 1) / tile, tilesN = (n + tile - 1) / tile, perZ = tilesM * tilesN;
        int groups = reduce ? 1 : batch;
        if ((long) grid[0] != (long) perZ * groups * splits) throw new IllegalStateException(name + ": grid " + grid[0]);
        int kTiles = (k + bk - 1) / bk;
        long total = reduce ? (long) batch * kTiles : kTiles;
        long nm = (long) n * m;
        for (int z = 0; z < groups * splits; z++) {
            int g = z / splits, s = z % splits;
            int t0 = (int) (total * s / splits), t1 = (int) (total * (s + 1) / splits);
            long outBase = direct ? (reduce ? 0 : (long) g * nm) : (long) z * nm;
            long dst = direct ? C : partial;
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < m; c++) {
                    float acc = 0;
                    for (int t = t0; t < t1; t++) {
                        int bt = reduce ? t / kTiles : g, kt = reduce ? t % kTiles : t;
                        long ao = 0, bo = 0;
                        int rem = bt;
                        for (int d = brank - 1; d >= 0; d--) {
                            int idx = rem % p[9 + d];
                            rem /= p[9 + d];
                            ao += (long) idx * p[15 + d];
                            bo += (long) idx * p[21 + d];
                        }
                        for (int q = kt * bk; q < Math.min(k, kt * bk + bk); q++) {
                            acc = Math.fma(f(A, ao + (long) r * ars + (long) q * acs), f(B, bo + (long) q * brs + (long) c * bcs), acc);
                        }
                    }
                    long o = outBase + (long) r * m + c;
                    f(dst, o, direct && accumulate ? f(dst, o) + acc : acc);
                }
            }
        }
    }

    private void lastQueryFwd(Args a) {
        long q = a.ptr(), k = a.ptr(), v = a.ptr(), out = a.ptr(), p = a.ptr();
        int n = a.i32(), t = a.i32(), h = a.i32(), d = a.i32();
        float scale = a.f32();
        for (int row = 0; row < n * h; row++) {
            long keys = ((long) (row / h) * t * h + row % h) * d, step = (long) h * d;
            float[] s = new float[t];
            float mx = Float.NEGATIVE_INFINITY, l = 0;
            for (int j = 0; j < t; j++) {
                float dot = 0;
                for (int e = 0; e < d; e++) dot += f(q, (long) row * d + e) * f(k, keys + j * step + e);
                s[j] = dot * scale;
                mx = Math.max(mx, s[j]);
            }
            for (int j = 0; j < t; j++) l += (float) Math.exp(s[j] - mx);
            float[] acc = new float[d];
            for (int j = 0; j < t; j++) {
                float pj = (float) Math.exp(s[j] - mx) / l;
                f(p, (long) row * t + j, pj);
                for (int e = 0; e < d; e++) acc[e] += pj * f(v, keys + j * step + e);
            }
            for (int e = 0; e < d; e++) f(out, (long) row * d + e, acc[e]);
        }
    }

    private void lastQueryBwd(Args a) {
        long q = a.ptr(), k = a.ptr(), v = a.ptr(), p = a.ptr(), go = a.ptr(), gq = a.ptr(), gk = a.ptr(), gv = a.ptr();
        int n = a.i32(), t = a.i32(), h = a.i32(), d = a.i32();
        float scale = a.f32();
        for (int row = 0; row < n * h; row++) {
            long keys = ((long) (row / h) * t * h + row % h) * d, step = (long) h * d;
            float[] dp = new float[t];
            float dd = 0;
            for (int j = 0; j < t; j++) {
                for (int e = 0; e < d; e++) dp[j] += f(go, (long) row * d + e) * f(v, keys + j * step + e);
                dd += f(p, (long) row * t + j) * dp[j];
            }
            float[] aq = new float[d];
            for (int j = 0; j < t; j++) {
                float pj = f(p, (long) row * t + j), ds = pj * (dp[j] - dd) * scale;
                for (int e = 0; e < d; e++) {
                    long ki = keys + j * step + e;
                    f(gv, ki, pj * f(go, (long) row * d + e));
                    f(gk, ki, ds * f(q, (long) row * d + e));
                    aq[e] += ds * f(k, ki);
                }
            }
            for (int e = 0; e < d; e++) f(gq, (long) row * d + e, aq[e]);
        }
    }

    private void attentionFwd(Args a) {
        long q = a.ptr(), k = a.ptr(), v = a.ptr(), out = a.ptr(), lse = a.ptr();
        int bsz = a.i32(), t = a.i32(), d = a.i32();
        boolean causal = a.i32() == 1;
        float scale = a.f32();
        for (int b = 0; b < bsz; b++) {
            long base = (long) b * t * d;
            for (int i = 0; i < t; i++) {
                float mx = Float.NEGATIVE_INFINITY, l = 0;
                float[] acc = new float[d];
                for (int j = 0; j <= (causal ? i : t - 1); j++) {
                    float dot = 0;
                    for (int e = 0; e < d; e++) dot += f(q, base + (long) i * d + e) * f(k, base + (long) j * d + e);
                    float sc = dot * scale, mn = Math.max(mx, sc);
                    float corr = (float) Math.exp(mx - mn), pr = (float) Math.exp(sc - mn);
                    l = l * corr + pr;
                    for (int e = 0; e < d; e++) acc[e] = acc[e] * corr + pr * f(v, base + (long) j * d + e);
                    mx = mn;
                }
                for (int e = 0; e < d; e++) f(out, base + (long) i * d + e, acc[e] / l);
                f(lse, (long) b * t + i, mx + (float) Math.log(l));
            }
        }
    }

    private void attentionBwd(Args a) {
        long q = a.ptr(), k = a.ptr(), v = a.ptr(), out = a.ptr(), lse = a.ptr(), go = a.ptr(), gq = a.ptr(), gk = a.ptr(), gv = a.ptr();
        int bsz = a.i32(), t = a.i32(), d = a.i32();
        boolean causal = a.i32() == 1;
        float scale = a.f32();
        for (int b = 0; b < bsz; b++) {
            long base = (long) b * t * d;
            for (int r = 0; r < t; r++) {
                float[] aq = new float[d], ak = new float[d], av = new float[d];
                for (int j = 0; j < t; j++) {
                    for (int i = 0; i < t; i++) {
                        if (causal && j > i) continue;
                        if (i != r && j != r) continue;
                        float dot = 0, dp = 0, dd = 0;
                        for (int e = 0; e < d; e++) {
                            dot += f(q, base + (long) i * d + e) * f(k, base + (long) j * d + e);
                            dp += f(go, base + (long) i * d + e) * f(v, base + (long) j * d + e);
                            dd += f(go, base + (long) i * d + e) * f(out, base + (long) i * d + e);
                        }
                        float pr = (float) Math.exp(dot * scale - f(lse, (long) b * t + i)), ds = pr * (dp - dd) * scale;
                        for (int e = 0; e < d; e++) {
                            if (i == r) aq[e] += ds * f(k, base + (long) j * d + e);
                            if (j == r) {
                                ak[e] += ds * f(q, base + (long) i * d + e);
                                av[e] += pr * f(go, base + (long) i * d + e);
                            }
                        }
                    }
                }
                for (int e = 0; e < d; e++) {
                    f(gq, base + (long) r * d + e, aq[e]);
                    f(gk, base + (long) r * d + e, ak[e]);
                    f(gv, base + (long) r * d + e, av[e]);
                }
            }
        }
    }

    private void langevin(String name, Args a) {
        long x0 = a.ptr(), x1 = a.ptr(), p0 = a.ptr(), p1 = a.ptr();
        int n = a.i32();
        long args = a.ptr();
        long o = off(args);
        int seed = mem.get(JAVA_INT, o), stepFrom = mem.get(JAVA_INT, o + 4), steps = mem.get(JAVA_INT, o + 8);
        int lines = mem.get(JAVA_INT, o + 12);
        float dt = mem.get(JAVA_FLOAT, o + 16), sigma = mem.get(JAVA_FLOAT, o + 20), beta = mem.get(JAVA_FLOAT, o + 24);
        float gw = mem.get(JAVA_FLOAT, o + 28), kq = mem.get(JAVA_FLOAT, o + 32), kcx = mem.get(JAVA_FLOAT, o + 36);
        float kcy = mem.get(JAVA_FLOAT, o + 40), twoA = mem.get(JAVA_FLOAT, o + 44), px = mem.get(JAVA_FLOAT, o + 48);
        float py = mem.get(JAVA_FLOAT, o + 52), hw = mem.get(JAVA_FLOAT, o + 56);
        boolean torus = mem.get(JAVA_INT, o + 60) == 1, momentum = mem.get(JAVA_INT, o + 64) == 1;
        boolean crossing = name.contains("crossing");
        int d = crossing ? 2 : lines;
        float[] nx = new float[Math.max(d, 1)], ny = new float[Math.max(d, 1)];
        for (int i = 0; i < d; i++) {
            nx[i] = crossing ? (i == 0 ? 1 : 0) : mem.get(JAVA_FLOAT, o + 80 + 4L * i);
            ny[i] = crossing ? (i == 0 ? 0 : 1) : mem.get(JAVA_FLOAT, o + 144 + 4L * i);
        }
        int[] bits = new int[4];
        for (int w = 0; w < n; w++) {
            float x = f(x0, w), y = f(x1, w), v0 = momentum ? f(p0, w) : 0, v1 = momentum ? f(p1, w) : 0;
            for (int s = stepFrom; s < stepFrom + steps; s++) {
                // walkers.cu: step pair s = pair s mod 2 of block (w, s div 2).
                Philox.block(w, 0, s >>> 1, 0, seed, 2, bits);
                int pair = (s & 1) << 1;
                float r = (float) Math.sqrt(-2f * (float) Math.log(Philox.uniformOpenZero(bits[pair])));
                float th = 6.2831855f * Philox.uniform(bits[pair + 1]);
                float z0 = r * (float) Math.cos(th), z1 = r * (float) Math.sin(th);
                float g0 = Math.fma(kq, x, -kcx), g1 = Math.fma(kq, y, -kcy);
                if (d > 0) {
                    float dx = x - px, dy = y - py;
                    float bd = Math.fma(nx[0], dx, ny[0] * dy), bnx = nx[0], bny = ny[0], b2 = bd * bd;
                    for (int kk = 1; kk < d; kk++) {
                        float dk = Math.fma(nx[kk], dx, ny[kk] * dy), d2 = dk * dk;
                        if (d2 < b2) { b2 = d2; bd = dk; bnx = nx[kk]; bny = ny[kk]; }
                    }
                    float sc = twoA * bd;
                    g0 = Math.fma(sc, bnx, g0);
                    g1 = Math.fma(sc, bny, g1);
                }
                if (momentum) { v0 = Math.fma(beta, v0, gw * g0); v1 = Math.fma(beta, v1, gw * g1); }
                else { v0 = -g0; v1 = -g1; }
                x = wrap(Math.fma(sigma, z0, Math.fma(dt, v0, x)), hw, torus);
                y = wrap(Math.fma(sigma, z1, Math.fma(dt, v1, y)), hw, torus);
            }
            f(x0, w, x);
            f(x1, w, y);
            if (momentum) { f(p0, w, v0); f(p1, w, v1); }
        }
    }

    private static float wrap(float x, float l, boolean torus) {
        if (!torus) return x;
        if (x >= l) return x - 2 * l;
        if (x < -l) return x + 2 * l;
        return x;
    }
}
