package dev.groklab.backend.opencl;

import dev.groklab.backend.AdamStep;
import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.backend.Binary;
import dev.groklab.backend.MatmulPlan;
import dev.groklab.backend.ScalarOp;
import dev.groklab.backend.SgdStep;
import dev.groklab.backend.cpu.ReferenceBackend;
import dev.groklab.backend.Unary;
import dev.groklab.tensor.CpuStorage;
import dev.groklab.tensor.DType;
import dev.groklab.tensor.Device;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Shapes;
import dev.groklab.tensor.Tensor;
import dev.groklab.walkers.LangevinStep;
import dev.groklab.walkers.PotentialForm;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OpenCL backend: every kernel of {@link Backend} in float32 on one OpenCL device, sources in
 * {@code kernels/opencl/<op>.cl}. Kernels are queued on one in-order queue and run asynchronously;
 * {@link #toHost}, copies to the CPU and {@link #synchronize} wait. Validation and error messages
 * follow the reference backend. F64 tensors are not supported on the device.
 *
 * <p>Indices (gather, scatterAdd, cross-entropy targets) uploaded from the host are range-checked
 * at once against a host copy; indices produced on the device are checked by the kernels, which
 * report a bad one at the next synchronization.
 */
public final class OpenClBackend implements Backend {
    private static final Map<String, OpenClBackend> OPEN = new ConcurrentHashMap<>();
    private static final int ELEMENT_LANES = 256;
    private static final int ROWS_PER_ITEM = 8;

    private final ClDevice cl;
    private final Device device;
    private final int rowLaneCap;
    private Tiles tiles;
    private float[] hyperKey;
    private ClStorage hyperBuf;
    private volatile boolean exactWalkerMath = true;

    private OpenClBackend(OpenClPlatforms.DeviceInfo info) {
        this.device = new Device(Device.Kind.OPENCL, info.platform() * 1000 + info.index(), info.id());
        this.cl = new ClDevice(info, device);
        // On a CPU device a row is best left to few lanes: barriers cost more than they share.
        this.rowLaneCap = Integer.getInteger("groklab.opencl.rowLanes", info.isGpu() ? 256 : 16);
    }

    /**
     * The backend for {@code opencl} (the best device) or {@code opencl:P:D}; one instance per
     * device, registered with {@link Backends}.
     *
     * @throws OpenClException.Unavailable when no platform or no such device exists, or the device cannot be opened
     */
    public static OpenClBackend open(String spec) {
        String s = spec == null ? "opencl" : spec.trim().toLowerCase();
        if (!s.equals("opencl") && !s.startsWith("opencl:")) {
            throw new IllegalArgumentException("opencl: device spec '" + spec + "' should be opencl or opencl:P:D");
        }
        OpenClPlatforms.Discovery d = OpenClPlatforms.discover();
        if (!d.available()) throw new OpenClException.Unavailable(d.unavailableReason());
        OpenClPlatforms.DeviceInfo pick;
        if (s.equals("opencl")) {
            pick = OpenClPlatforms.best(d.devices());
        } else {
            String[] parts = s.substring("opencl:".length()).split(":");
            int p, dv;
            try {
                if (parts.length != 2) throw new NumberFormatException();
                p = Integer.parseInt(parts[0]);
                dv = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new OpenClException.Unavailable("cannot read device '" + spec + "': want opencl:P:D with platform P and device D numbers");
            }
            pick = d.devices().stream().filter(i -> i.platform() == p && i.index() == dv).findFirst()
                    .orElseThrow(() -> new OpenClException.Unavailable("no device opencl:" + p + ":" + dv + " (devices: "
                            + String.join(", ", d.devices().stream().map(OpenClPlatforms.DeviceInfo::id).toList()) + ")"));
        }
        OpenClPlatforms.DeviceInfo chosen = pick;
        return OPEN.computeIfAbsent(chosen.id(), id -> {
            OpenClBackend be = new OpenClBackend(chosen);
            Backends.register(be);
            return be;
        });
    }

    public OpenClPlatforms.DeviceInfo info() { return cl.info; }

    /** Waits until every queued kernel has finished (for timing); reports bad indices kernels found. */
    @Override public void synchronize() { cl.finish(); }

    /** Device bytes held by this backend's pool (in use plus cached). */
    public long reservedBytes() { return cl.pool.reservedBytes(); }

    @Override public Device device() { return device; }

    /** The context, queue, pool and program cache (for tests of the failure paths). */
    ClDevice cl() { return cl; }

    @Override public String toString() { return device + " (" + cl.info.name().trim() + ")"; }

    // ---- memory --------------------------------------------------------------------------------

    @Override public Tensor empty(DType dtype, int... shape) {
        Shapes.checkPositive("empty", shape);
        if (dtype == DType.F64) throw f64Unsupported("empty");
        ClStorage s = Scope.track(cl.pool.allocate(Shapes.numel(shape) * dtype.bytes(), dtype, shape));
        return Tensor.dense(s, dtype, shape);
    }

    private IllegalArgumentException f64Unsupported(String op) {
        return new IllegalArgumentException(op + ": F64 tensors are not supported on " + device
                + "; the OpenCL backend computes in F32 (use the cpu backend for float64)");
    }

    @Override public Tensor fromHost(float[] data, int... shape) { return fromHost(DType.F32, MemorySegment.ofArray(data), data.length, shape); }

    @Override public Tensor fromHost(double[] data, int... shape) {
        checkLength("fromHost", data.length, shape);
        throw f64Unsupported("fromHost");
    }

    @Override public Tensor fromHost(int[] data, int... shape) {
        Tensor t = fromHost(DType.I32, MemorySegment.ofArray(data), data.length, shape);
        storage(t).hostInts(data.clone());
        return t;
    }

    /** A new tensor holding length 4-byte values of a Java array (its heap segment), queued in staging buffers of at most one chunk. */
    private Tensor fromHost(DType dtype, MemorySegment data, int length, int[] shape) {
        checkLength("fromHost", length, shape);
        Tensor t = empty(dtype, shape);
        int per = (int) (ClDevice.chunkBytes / 4);
        for (int from = 0; from < length; from += per) {
            int n = Math.min(per, length - from);
            ByteBuffer bb = ClDevice.staging(4L * n);
            MemorySegment.ofBuffer(bb).copyFrom(data.asSlice(4L * from, 4L * n));
            cl.writeAsync(mem(t), 4L * from, bb, 4L * n);
        }
        return t;
    }

    private static void checkLength(String op, int length, int[] shape) {
        if (Shapes.numel(shape) != length) {
            throw new IllegalArgumentException(op + ": " + length + " values for shape " + Shapes.str(shape));
        }
    }

    @Override public Tensor toHost(Tensor t) {
        on("toHost", t);
        Tensor out = Backends.cpu().empty(t.dtype(), t.shape());
        download(t, out);
        return out;
    }

    @Override public void fill(Tensor out, double value) {
        on("fill", out);
        Layout l = Layout.of("fill", out.shape(), out.strides());
        if (l.numel == 0) return;
        int bits = out.dtype() == DType.I32 ? (int) value : Float.floatToRawIntBits((float) value);
        launchEw("fill", cl.kernel("fill.cl", "fill"), NONE, l, new Tensor[]{out}, bits);
        storage(out).hostInts(null);
    }

    /** Copies between any layouts on this device, and between this device and the CPU either way. */
    @Override public void copy(Tensor src, Tensor dst) {
        src.check("copy");
        dst.check("copy");
        if (!src.sameShape(dst)) {
            throw new IllegalArgumentException("copy: shapes differ: " + Shapes.str(src.shape()) + " vs " + Shapes.str(dst.shape()));
        }
        boolean sDev = src.storage() instanceof ClStorage, dDev = dst.storage() instanceof ClStorage;
        if (sDev) on("copy", src); else host("copy", src);
        if (dDev) on("copy", dst); else host("copy", dst);
        if (sDev && dDev) deviceCopy(src, dst);
        else if (sDev) download(src, dst);
        else if (dDev) upload(src, dst);
        else Backends.cpu().copy(src, dst);
    }

    private void host(String op, Tensor t) {
        if (!(t.storage() instanceof CpuStorage)) {
            throw new IllegalArgumentException(op + ": tensor " + Shapes.str(t.shape()) + " is on " + t.device()
                    + ", this backend is " + device + " (copies may also involve the cpu)");
        }
    }

    private void deviceCopy(Tensor src, Tensor dst) {
        int mode;
        if (src.dtype() == dst.dtype()) mode = 0;
        else if (src.dtype() == DType.I32 && dst.dtype() == DType.F32) mode = 1;
        else if (src.dtype() == DType.F32 && dst.dtype() == DType.I32) mode = 2;
        else throw new IllegalArgumentException("copy: cannot convert " + src.dtype() + " to " + dst.dtype() + " on " + device);
        Layout l = Layout.of("copy", src.shape(), src.strides(), dst.strides());
        if (l.numel == 0) return;
        if (mode == 0 && src.isContiguous() && dst.isContiguous()) {
            long bytes = (long) l.numel * src.dtype().bytes(), so = src.offset() * 4, dO = dst.offset() * 4;
            boolean same = src.storage() == dst.storage();
            if (same && so == dO) return;
            if (!same || so + bytes <= dO || dO + bytes <= so) {
                cl.copyBuffer(mem(src), so, mem(dst), dO, bytes);
                storage(dst).hostInts(null);
                return;
            }
        }
        launchEw("copy", cl.kernel("copy.cl", "copy"), NONE, l, new Tensor[]{src, dst}, mode);
        storage(dst).hostInts(null);
    }

    private void download(Tensor src, Tensor dst) {
        ClStorage tmp = null;
        try {
            Tensor s = src;
            if (!src.isContiguous()) {
                tmp = temp(src.dtype(), src.shape());
                s = Tensor.dense(tmp, src.dtype(), src.shape());
                deviceCopy(src, s);
            }
            long bytes = (long) s.numel() * s.dtype().bytes();
            if (dst.isContiguous() && dst.dtype() == s.dtype()) {
                cl.read(mem(s), s.offset() * s.dtype().bytes(), hostBytes(dst, bytes));
            } else {
                try (Scope sc = Scope.open()) {
                    Tensor h = Backends.cpu().empty(s.dtype(), s.shape());
                    cl.read(mem(s), s.offset() * s.dtype().bytes(), hostBytes(h, bytes));
                    Backends.cpu().copy(h, dst);
                }
            }
        } finally {
            if (tmp != null) tmp.release();
        }
    }

    private void upload(Tensor src, Tensor dst) {
        try (Scope sc = Scope.open()) {
            Tensor h = src;
            if (!src.isContiguous() || src.dtype() != dst.dtype()) {
                h = Backends.cpu().empty(dst.dtype(), src.shape());
                Backends.cpu().copy(src, h);
            }
            long bytes = (long) h.numel() * h.dtype().bytes();
            if (dst.isContiguous()) {
                cl.writeBlocking(mem(dst), dst.offset() * dst.dtype().bytes(), hostBytes(h, bytes));
            } else {
                ClStorage tmp = temp(dst.dtype(), dst.shape());
                try {
                    cl.writeBlocking(tmp.mem(), 0, hostBytes(h, bytes));
                    deviceCopy(Tensor.dense(tmp, dst.dtype(), dst.shape()), dst);
                } finally {
                    tmp.release();
                }
            }
        }
        storage(dst).hostInts(null);
    }

    private static MemorySegment hostBytes(Tensor t, long bytes) {
        return t.segment().asSlice(t.offset() * t.dtype().bytes(), bytes);
    }

    // ---- elementwise ---------------------------------------------------------------------------

    private static int unaryCode(Unary op) {
        return switch (op) {
            case NEG -> 0;
            case RELU -> 1;
            case GELU -> 2;
            case TANH -> 3;
            case EXP -> 4;
            case LOG -> 5;
            case SQUARE -> 6;
            case SQRT -> 7;
            case ABS -> 8;
        };
    }

    @Override public void unary(Unary op, Tensor x, Tensor out) {
        String name = "unary " + op;
        on(name, x, out);
        f32(name, x, out);
        sameShape(name, x, out);
        Layout l = Layout.of(name, x.shape(), x.strides(), out.strides());
        if (l.numel == 0) return;
        if (x.isContiguous() && out.isContiguous()) {
            launch1(name, cl.kernel("unary.cl", "unary_dense_" + unaryCode(op)), l.numel, l.numel, mem(x), off(x), mem(out), off(out));
            return;
        }
        launchEw(name, cl.kernel("unary.cl", "unary"), new Object[]{unaryCode(op)}, l, new Tensor[]{x, out});
    }

    @Override public void unaryBackward(Unary op, Tensor x, Tensor y, Tensor gy, Tensor gx) {
        String name = "unaryBackward " + op;
        on(name, x, y, gy, gx);
        f32(name, x, y, gy, gx);
        sameShape(name, x, gx);
        sameShape(name, y, gx);
        sameShape(name, gy, gx);
        Layout l = Layout.of(name, x.shape(), x.strides(), y.strides(), gy.strides(), gx.strides());
        if (l.numel == 0) return;
        if (x.isContiguous() && y.isContiguous() && gy.isContiguous() && gx.isContiguous()) {
            launch1(name, cl.kernel("unary.cl", "unary_backward_dense_" + unaryCode(op)), l.numel, l.numel, mem(x), off(x),
                    mem(y), off(y), mem(gy), off(gy), mem(gx), off(gx));
            return;
        }
        launchEw(name, cl.kernel("unary.cl", "unary_backward"), new Object[]{unaryCode(op)}, l, new Tensor[]{x, y, gy, gx});
    }

    @Override public void scalar(ScalarOp op, Tensor x, double s, Tensor out) {
        String name = "scalar " + op;
        on(name, x, out);
        f32(name, x, out);
        sameShape(name, x, out);
        Layout l = Layout.of(name, x.shape(), x.strides(), out.strides());
        if (l.numel == 0) return;
        int mode = switch (op) {
            case ADD -> 0;
            case MUL -> 1;
            case POW -> s == Math.rint(s) && Math.abs(s) < (1 << 30) ? 3 : 2;
        };
        launchEw(name, cl.kernel("scalar.cl", "scalar"), new Object[]{mode, (float) s, mode == 3 ? (int) s : 0}, l,
                new Tensor[]{x, out});
    }

    @Override public void binary(Binary op, Tensor a, Tensor b, Tensor out) {
        String name = "binary " + op;
        on(name, a, b, out);
        f32(name, a, b, out);
        int[] shape = Shapes.broadcast(a.shape(), b.shape());
        if (shape == null) {
            throw new IllegalArgumentException(name + ": shapes " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()) + " do not broadcast");
        }
        if (!Arrays.equals(shape, out.shape())) {
            throw new IllegalArgumentException(name + ": output " + Shapes.str(out.shape()) + " should be " + Shapes.str(shape));
        }
        Layout l = Layout.of(name, shape, a.expand(shape).strides(), b.expand(shape).strides(), out.strides());
        if (l.numel == 0) return;
        int code = switch (op) { case ADD -> 0; case SUB -> 1; case MUL -> 2; case DIV -> 3; };
        if (a.isContiguous() && out.isContiguous() && b.isContiguous() && a.sameShape(out)) {
            if (b.numel() == out.numel()) {
                launch1(name, cl.kernel("binary.cl", "binary_dense_" + code), l.numel, l.numel, mem(a), off(a), mem(b), off(b),
                        mem(out), off(out));
                return;
            }
            if (b.numel() > 0 && isTrailing(b.shape(), shape)) {
                // b repeats along the leading axes: a bias row
                int period = b.numel(), rows = l.numel / period;
                cl_kernel k = cl.kernel("binary.cl", "binary_rows_" + code);
                long lx = Math.min(floorPow2(Math.min(ELEMENT_LANES, cl.programs.maxWorkGroup(k))), ceilPow2(period));
                cl.launch(name, k, new long[]{(period + lx - 1) / lx * lx, rows}, new long[]{lx, 1}, period, mem(a), off(a),
                        mem(b), off(b), mem(out), off(out));
                return;
            }
        }
        launchEw(name, cl.kernel("binary.cl", "binary"), new Object[]{code}, l, new Tensor[]{a, b, out});
    }

    /** True when shape, without leading 1s, is a trailing run of full's axes. */
    private static boolean isTrailing(int[] shape, int[] full) {
        int lead = 0;
        while (lead < shape.length && shape[lead] == 1) lead++;
        int len = shape.length - lead;
        if (len > full.length) return false;
        for (int i = 0; i < len; i++) if (shape[lead + i] != full[full.length - len + i]) return false;
        return true;
    }

    @Override public void sumTo(Tensor x, Tensor out, boolean accumulate) {
        on("sumTo", x, out);
        f32("sumTo", x, out);
        int[] bs = Shapes.broadcast(x.shape(), out.shape());
        if (bs == null || !Arrays.equals(bs, x.shape())) {
            throw new IllegalArgumentException("sumTo: cannot sum " + Shapes.str(x.shape()) + " down to " + Shapes.str(out.shape()));
        }
        if (!out.isContiguous()) throw new IllegalArgumentException("sumTo: output must be dense");
        int nOut = out.numel();
        if (nOut == 0) return;
        int[] xs = x.shape(), xst = x.strides(), os = out.shape();
        int lead = xs.length - os.length;
        List<int[]> keep = new ArrayList<>(), red = new ArrayList<>();
        for (int i = 0; i < xs.length; i++) {
            if (xs[i] == 1) continue;
            int od = i < lead ? 1 : os[i - lead];
            (od == xs[i] ? keep : red).add(new int[]{xs[i], xst[i]});
        }
        Layout kl = Layout.of("sumTo", column(keep, 0), column(keep, 1));
        Layout rl = Layout.of("sumTo", column(red, 0), column(red, 1));
        int inner = rl.rank == 0 ? 1 : rl.shape[0], innerStride = rl.rank == 0 ? 0 : rl.stride(0)[0];
        Layout rest = rl.dropInnermost();
        int outer = rest.numel;
        long total = (long) outer * inner;
        boolean grouped = nOut < 1024 && total >= 1024;
        Object[] args = {nOut, kl.rank, kl.shape, kl.stride(0), outer, rest.rank, rest.shape, rest.stride(0), inner, innerStride,
                mem(x), off(x), mem(out), off(out), accumulate ? 1 : 0};
        if (grouped) {
            cl_kernel k = cl.kernel("sum_to.cl", "sum_to_group");
            int lanes = (int) floorPow2(Math.min(ELEMENT_LANES, cl.programs.maxWorkGroup(k)));
            Object[] a2 = Arrays.copyOf(args, args.length + 1);
            a2[args.length] = new ClDevice.Local(4L * lanes);
            cl.launch("sumTo", k, new long[]{(long) nOut * lanes}, new long[]{lanes}, a2);
        } else {
            launch1("sumTo", cl.kernel("sum_to.cl", "sum_to"), nOut, args);
        }
    }

    private static int[] column(List<int[]> rows, int c) {
        int[] out = new int[rows.size()];
        for (int i = 0; i < out.length; i++) out[i] = rows.get(i)[c];
        return out;
    }

    // ---- matmul --------------------------------------------------------------------------------

    /** A matmul tiling: TS x TS outputs per work-group of (TS/WPT)^2 work-items, k slabs of TK. */
    private record Tiles(cl_kernel kernel, int ts, int wpt, int tk) {
        int rt() { return ts / wpt; }
    }

    /**
     * Which matmul kernel runs: "tiled" (local-memory tiles, for GPUs) or "rows" (register rows
     * without barriers, for CPU devices, where a work-group runs as one vectorized loop).
     */
    private volatile String matmulKernel;

    void matmulKernel(String kind) { this.matmulKernel = kind; }

    private String matmulKind() {
        if (matmulKernel == null) {
            matmulKernel = System.getProperty("groklab.opencl.matmul", cl.info.type().equals("CPU") ? "rows" : "tiled");
        }
        return matmulKernel;
    }

    private synchronized Tiles tiles() {
        if (tiles != null) return tiles;
        List<int[]> candidates = new ArrayList<>();
        String forced = System.getProperty("groklab.opencl.matmulTiles");
        if (forced != null) candidates.add(Arrays.stream(forced.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray());
        candidates.addAll(List.of(new int[]{64, 4, 16}, new int[]{32, 4, 16}, new int[]{32, 2, 16}, new int[]{16, 2, 16},
                new int[]{16, 1, 16}, new int[]{8, 1, 8}, new int[]{4, 1, 4}, new int[]{1, 1, 1}));
        for (int[] c : candidates) {
            int rt = c[0] / c[1];
            long lanes = (long) rt * rt, localBytes = 4L * c[2] * (2L * c[0] + 1);
            if (lanes > cl.info.maxWorkGroupSize() || localBytes > cl.info.localMemBytes()) continue;
            cl_kernel k = cl.programs.kernel("matmul.cl", "matmul", "-DTS=" + c[0] + " -DWPT=" + c[1] + " -DTK=" + c[2]);
            if (cl.programs.maxWorkGroup(k) < lanes) continue;
            return tiles = new Tiles(k, c[0], c[1], c[2]);
        }
        throw new OpenClException("opencl: no matmul tiling fits " + this);
    }

    @Override public void matmul(Tensor a, Tensor b, Tensor out, boolean accumulate) {
        on("matmul", a, b, out);
        f32("matmul", a, b, out);
        MatmulPlan p = MatmulPlan.of(a, b, out);
        if (p.n() == 0 || p.m() == 0) return;
        if (p.batch() == 0) {
            if (p.reduceBatch() && !accumulate) fill(out, 0);
            return;
        }
        int[] batchShape = a.rank() > 2 ? Arrays.copyOf(a.shape(), a.rank() - 2) : Arrays.copyOf(b.shape(), b.rank() - 2);
        int[] aBs = a.rank() > 2 ? Arrays.copyOf(a.strides(), a.rank() - 2) : new int[batchShape.length];
        int[] bBs = b.rank() > 2 ? Arrays.copyOf(b.strides(), b.rank() - 2) : new int[batchShape.length];
        Layout bl = Layout.of("matmul", batchShape, aBs, bBs);
        if (matmulKind().equals("rows")) {
            boolean vec = p.bColStride() == 1 || p.m() == 1;
            cl_kernel k = cl.programs.kernel("matmul.cl", vec ? "matmul_rows8" : "matmul_rows", "-DRB=" + ROWS_PER_ITEM);
            int outBatches = p.reduceBatch() ? 1 : p.batch(), perOut = p.reduceBatch() ? p.batch() : 1;
            long cols = vec ? (p.m() + 7) / 8 : p.m();
            long lx = Math.min(floorPow2(Math.min(vec ? 8 : 64, cl.programs.maxWorkGroup(k))), ceilPow2(cols));
            long gx = (cols + lx - 1) / lx * lx, gy = (p.n() + ROWS_PER_ITEM - 1) / ROWS_PER_ITEM;
            // Work-items of a CPU device run one after another, each through all of k: a long k is
            // split into slabs, one launch each, so a slab of b stays cached for every work-item.
            int slab = p.k() > 512 ? 256 : Math.max(p.k(), 1);
            int k0 = 0;
            do {
                int kk = Math.min(slab, p.k() - k0);
                cl.launch("matmul", k, new long[]{gx, gy, outBatches}, new long[]{lx, 1, 1},
                        p.n(), kk, p.m(), mem(a), off(a) + k0 * p.aColStride(), p.aRowStride(), p.aColStride(),
                        mem(b), off(b) + k0 * p.bRowStride(), p.bRowStride(), p.bColStride(), mem(out), off(out),
                        bl.rank, bl.shape, bl.stride(0), bl.stride(1), perOut, accumulate || k0 > 0 ? 1 : 0);
                k0 += slab;
            } while (k0 < p.k());
            return;
        }
        Tiles t = tiles();
        int rt = t.rt();
        int outBatches = p.reduceBatch() ? 1 : p.batch(), perOut = p.reduceBatch() ? p.batch() : 1;
        long gx = (long) ((p.m() + t.ts() - 1) / t.ts()) * rt, gy = (long) ((p.n() + t.ts() - 1) / t.ts()) * rt;
        cl.launch("matmul", t.kernel(), new long[]{gx, gy, outBatches}, new long[]{rt, rt, 1},
                p.n(), p.k(), p.m(), mem(a), off(a), p.aRowStride(), p.aColStride(), mem(b), off(b), p.bRowStride(), p.bColStride(),
                mem(out), off(out), bl.rank, bl.shape, bl.stride(0), bl.stride(1), perOut, accumulate ? 1 : 0);
    }

    // ---- rows ----------------------------------------------------------------------------------

    @Override public void softmax(Tensor x, Tensor out) { rows("softmax", x, out, 0); }

    @Override public void logSoftmax(Tensor x, Tensor out) { rows("logSoftmax", x, out, 1); }

    private void rows(String op, Tensor x, Tensor out, int logMode) {
        on(op, x, out);
        f32(op, x, out);
        sameShape(op, x, out);
        dense(op, out);
        int c = x.dim(-1), n = x.numel();
        if (n == 0) return;
        List<ClStorage> temps = new ArrayList<>();
        try {
            Tensor xd = denseInput(x, temps);
            launchRows(op, cl.kernel("softmax.cl", "softmax"), n / c, c, n / c, c, mem(xd), off(xd), mem(out), off(out), logMode);
        } finally {
            temps.forEach(ClStorage::release);
        }
    }

    @Override public void softmaxBackward(Tensor y, Tensor gy, Tensor gx) { rowsBackward("softmaxBackward", y, gy, gx, 0); }

    @Override public void logSoftmaxBackward(Tensor y, Tensor gy, Tensor gx) { rowsBackward("logSoftmaxBackward", y, gy, gx, 1); }

    private void rowsBackward(String op, Tensor y, Tensor gy, Tensor gx, int logMode) {
        on(op, y, gy, gx);
        f32(op, y, gy, gx);
        sameShape(op, y, gx);
        sameShape(op, gy, gx);
        dense(op, gx);
        int c = y.dim(-1), n = y.numel();
        if (n == 0) return;
        List<ClStorage> temps = new ArrayList<>();
        try {
            Tensor yd = denseInput(y, temps), gd = denseInput(gy, temps);
            launchRows(op, cl.kernel("softmax.cl", "softmax_backward"), n / c, c, n / c, c, mem(yd), off(yd), mem(gd), off(gd),
                    mem(gx), off(gx), logMode);
        } finally {
            temps.forEach(ClStorage::release);
        }
    }

    /** Range check against the host copy of uploaded indices, when there is one. */
    private static void checkIndices(String op, String what, Tensor idx, int bound) {
        int[] h = storage(idx).hostInts();
        if (h == null) return;
        for (int i = 0, n = idx.numel(); i < n; i++) {
            int v = h[(int) idx.elementIndex(i)];
            if (v < 0 || v >= bound) throw new IllegalArgumentException(op + ": " + what + " " + v + " outside [0, " + bound + ")");
        }
    }

    @Override public void crossEntropy(Tensor logits, Tensor targets, Tensor loss, Tensor lse) {
        on("crossEntropy", logits, targets, loss, lse);
        ReferenceBackend.checkCrossEntropy(logits, targets, loss, lse);
        f32("crossEntropy", logits, loss, lse);
        dense("crossEntropy", loss, lse);
        int rows = logits.dim(0), c = logits.dim(1);
        if (rows == 0) return;
        checkIndices("crossEntropy", "target", targets, c);
        List<ClStorage> temps = new ArrayList<>();
        try {
            Tensor x = denseInput(logits, temps);
            launchRows("crossEntropy", cl.kernel("cross_entropy.cl", "cross_entropy"), rows, c, rows, c, mem(x), off(x),
                    mem(targets), off(targets), targets.stride(0), targets.dim(0), mem(loss), off(loss), mem(lse), off(lse),
                    cl.errorFlag());
        } finally {
            temps.forEach(ClStorage::release);
        }
    }

    @Override public void crossEntropyBackward(Tensor logits, Tensor targets, Tensor lse, Tensor gLoss, Tensor gLogits) {
        on("crossEntropyBackward", logits, targets, lse, gLoss, gLogits);
        ReferenceBackend.checkCrossEntropy(logits, targets, gLoss, lse);
        sameShape("crossEntropyBackward", logits, gLogits);
        f32("crossEntropyBackward", logits, lse, gLoss, gLogits);
        dense("crossEntropyBackward", gLogits);
        int rows = logits.dim(0), c = logits.dim(1);
        if (rows == 0 || c == 0) return;
        checkIndices("crossEntropy", "target", targets, c);
        List<ClStorage> temps = new ArrayList<>();
        try {
            Tensor x = denseInput(logits, temps), l = denseInput(lse, temps), g = denseInput(gLoss, temps);
            int n = rows * c;
            launch1("crossEntropyBackward", cl.kernel("cross_entropy.cl", "cross_entropy_backward"), n, rows, c, mem(x), off(x),
                    mem(targets), off(targets), targets.stride(0), targets.dim(0), mem(l), off(l), mem(g), off(g),
                    mem(gLogits), off(gLogits));
        } finally {
            temps.forEach(ClStorage::release);
        }
    }

    private static int groups(String op, Tensor x, Tensor param) {
        int c = x.dim(-1), rows = x.numel() / Math.max(c, 1);
        int g = param.rank() == 1 ? 1 : param.dim(0);
        if (param.dim(-1) != c || param.numel() != g * c || g == 0 || rows % g != 0) {
            throw new IllegalArgumentException(op + ": parameter " + Shapes.str(param.shape()) + " does not fit input "
                    + Shapes.str(x.shape()) + " (want [C] or [G, C] with G dividing the rows)");
        }
        return g;
    }

    @Override public void layerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor out, Tensor mean, Tensor rstd) {
        on("layerNorm", x, gamma, beta, out, mean, rstd);
        f32("layerNorm", x, gamma, beta, out, mean, rstd);
        sameShape("layerNorm", x, out);
        int g = groups("layerNorm", x, gamma);
        groups("layerNorm", x, beta);
        dense("layerNorm", out, mean, rstd);
        int c = x.dim(-1), n = x.numel();
        if (n == 0) return;
        int rows = n / c, per = rows / g;
        List<ClStorage> temps = new ArrayList<>();
        try {
            Tensor xd = denseInput(x, temps), gd = denseInput(gamma, temps), bd = denseInput(beta, temps);
            launchRows("layerNorm", cl.kernel("layer_norm.cl", "layer_norm"), rows, c, rows, c, per, (float) eps,
                    mem(xd), off(xd), mem(gd), off(gd), mem(bd), off(bd), mem(out), off(out), mem(mean), off(mean),
                    mem(rstd), off(rstd));
        } finally {
            temps.forEach(ClStorage::release);
        }
    }

    @Override public void layerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor gy,
                                            Tensor gx, Tensor gGamma, Tensor gBeta) {
        String op = "layerNormBackward";
        on(op, x, gamma, mean, rstd, gy, gx, gGamma, gBeta);
        f32(op, x, gamma, mean, rstd, gy, gx, gGamma, gBeta);
        sameShape(op, x, gx);
        sameShape(op, gy, gx);
        int g = groups(op, x, gamma);
        groups(op, x, gGamma);
        groups(op, x, gBeta);
        dense(op, gx, gGamma, gBeta);
        int c = x.dim(-1), n = x.numel();
        if (n == 0) return;
        int rows = n / c, per = rows / g;
        List<ClStorage> temps = new ArrayList<>();
        try {
            Tensor xd = denseInput(x, temps), gd = denseInput(gamma, temps), md = denseInput(mean, temps),
                    rd = denseInput(rstd, temps), yd = denseInput(gy, temps);
            launchRows(op, cl.kernel("layer_norm.cl", "layer_norm_backward"), rows, c, rows, c, per, mem(xd), off(xd),
                    mem(gd), off(gd), mem(md), off(md), mem(rd), off(rd), mem(yd), off(yd), mem(gx), off(gx));
            launch1(op, cl.kernel("layer_norm.cl", "layer_norm_params_backward"), (long) g * c, g, c, per, mem(xd), off(xd),
                    mem(md), off(md), mem(rd), off(rd), mem(yd), off(yd), mem(gGamma), off(gGamma), mem(gBeta), off(gBeta));
        } finally {
            temps.forEach(ClStorage::release);
        }
    }

    // ---- attention -----------------------------------------------------------------------------

    private static void checkAttention(Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse) {
        if (q.rank() != 3 || !q.sameShape(k) || !q.sameShape(v) || !q.sameShape(out)) {
            throw new IllegalArgumentException("attention: q, k, v, out must share one [B, T, D] shape, got "
                    + Shapes.str(q.shape()) + ", " + Shapes.str(k.shape()) + ", " + Shapes.str(v.shape()) + ", " + Shapes.str(out.shape()));
        }
        if (lse.numel() != q.dim(0) * q.dim(1)) {
            throw new IllegalArgumentException("attention: lse " + Shapes.str(lse.shape()) + " needs " + q.dim(0) * q.dim(1)
                    + " elements for " + Shapes.str(q.shape()));
        }
    }

    @Override public void attention(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse) {
        on("attention", q, k, v, out, lse);
        f32("attention", q, k, v, out, lse);
        checkAttention(q, k, v, out, lse);
        dense("attention", out, lse);
        int b = q.dim(0), t = q.dim(1), d = q.dim(2);
        if (b * t == 0) return;
        List<ClStorage> temps = new ArrayList<>();
        try {
            Tensor qd = denseInput(q, temps), kd = denseInput(k, temps), vd = denseInput(v, temps);
            launch1("attention", cl.kernel("attention.cl", "attention"), (long) b * t, b, t, d, causal ? 1 : 0,
                    (float) (1 / Math.sqrt(d)), mem(qd), off(qd), mem(kd), off(kd), mem(vd), off(vd), mem(out), off(out),
                    mem(lse), off(lse));
        } finally {
            temps.forEach(ClStorage::release);
        }
    }

    @Override public void attentionBackward(Tensor q, Tensor k, Tensor v, boolean causal, Tensor out, Tensor lse,
                                            Tensor gOut, Tensor gq, Tensor gk, Tensor gv) {
        String op = "attentionBackward";
        on(op, q, k, v, out, lse, gOut, gq, gk, gv);
        f32(op, q, k, v, out, lse, gOut, gq, gk, gv);
        checkAttention(q, k, v, out, lse);
        for (Tensor g : new Tensor[]{gOut, gq, gk, gv}) sameShape(op, q, g);
        dense(op, gq, gk, gv);
        int b = q.dim(0), t = q.dim(1), d = q.dim(2);
        if (b * t == 0) return;
        float scale = (float) (1 / Math.sqrt(d));
        List<ClStorage> temps = new ArrayList<>();
        try {
            Tensor qd = denseInput(q, temps), kd = denseInput(k, temps), vd = denseInput(v, temps), od = denseInput(out, temps),
                    ld = denseInput(lse, temps), gd = denseInput(gOut, temps);
            ClStorage dd = temp(DType.F32, b, t);
            temps.add(dd);
            long rows = (long) b * t;
            launch1(op, cl.kernel("attention.cl", "attention_backward_q"), rows, b, t, d, causal ? 1 : 0, scale,
                    mem(qd), off(qd), mem(kd), off(kd), mem(vd), off(vd), mem(od), off(od), mem(ld), off(ld), mem(gd), off(gd),
                    mem(gq), off(gq), dd);
            launch1(op, cl.kernel("attention.cl", "attention_backward_kv"), rows, b, t, d, causal ? 1 : 0, scale,
                    mem(qd), off(qd), mem(kd), off(kd), mem(vd), off(vd), mem(ld), off(ld), mem(gd), off(gd), dd,
                    mem(gk), off(gk), mem(gv), off(gv));
        } finally {
            temps.forEach(ClStorage::release);
        }
    }

    // ---- embeddings ----------------------------------------------------------------------------

    @Override public void gather(Tensor table, Tensor idx, Tensor out) {
        on("gather", table, idx, out);
        ReferenceBackend.checkGather("gather", table, idx, out);
        f32("gather", table, out);
        int m = table.dim(0), vocab = table.dim(1), d = table.dim(2), n = idx.dim(-1);
        checkIndices("gather", "index", idx, vocab);
        long total = (long) m * n * d;
        if (total == 0) return;
        launch1("gather", cl.kernel("gather.cl", "gather"), total, m, n, vocab, d,
                mem(table), off(table), table.stride(0), table.stride(1), table.stride(2),
                mem(idx), off(idx), idx.rank() == 1 ? 0 : idx.stride(0), idx.stride(-1),
                mem(out), off(out), out.stride(0), out.stride(1), out.stride(2), cl.errorFlag());
    }

    @Override public void scatterAdd(Tensor gOut, Tensor idx, Tensor gTable) {
        on("scatterAdd", gOut, idx, gTable);
        ReferenceBackend.checkGather("scatterAdd", gTable, idx, gOut);
        f32("scatterAdd", gOut, gTable);
        int m = gTable.dim(0), vocab = gTable.dim(1), d = gTable.dim(2), n = idx.dim(-1);
        checkIndices("scatterAdd", "index", idx, vocab);
        if ((long) m * vocab * d == 0 || n == 0) return;
        int isM = idx.rank() == 1 ? 0 : idx.stride(0), isN = idx.stride(-1);
        ClStorage counts = temp(DType.I32, m, vocab), starts = temp(DType.I32, m, vocab), positions = temp(DType.I32, m, n);
        try {
            String op = "scatterAdd";
            launch1(op, cl.kernel("scatter_add.cl", "scatter_count"), (long) m * vocab, m, n, vocab, mem(idx), off(idx), isM, isN,
                    counts, cl.errorFlag());
            launch1(op, cl.kernel("scatter_add.cl", "scatter_starts"), m, m, vocab, counts, starts);
            launch1(op, cl.kernel("scatter_add.cl", "scatter_positions"), (long) m * vocab, m, n, vocab, mem(idx), off(idx), isM, isN,
                    starts, positions);
            launch1(op, cl.kernel("scatter_add.cl", "scatter_rows"), (long) m * vocab * d, m, n, vocab, d, counts, starts, positions,
                    mem(gOut), off(gOut), gOut.stride(0), gOut.stride(1), gOut.stride(2),
                    mem(gTable), off(gTable), gTable.stride(0), gTable.stride(1), gTable.stride(2));
        } finally {
            counts.release();
            starts.release();
            positions.release();
        }
    }

    // ---- optimizer -----------------------------------------------------------------------------

    /** lr then wd per model, uploaded only when they change (a constant schedule uploads once). */
    private synchronized ClStorage hyper(float[] lr, float[] wd) {
        float[] key = new float[lr.length + wd.length];
        System.arraycopy(lr, 0, key, 0, lr.length);
        System.arraycopy(wd, 0, key, lr.length, wd.length);
        if (hyperBuf != null && Arrays.equals(key, hyperKey)) return hyperBuf;
        ClStorage s = cl.pool.allocate(4L * key.length, DType.F32, new int[]{key.length});
        ByteBuffer bb = ClDevice.staging(4L * key.length);
        bb.asFloatBuffer().put(key);
        cl.writeAsync(s.mem(), 0, bb, 4L * key.length);
        if (hyperBuf != null) hyperBuf.release();
        hyperBuf = s;
        hyperKey = key;
        return s;
    }

    @Override public void adamw(Tensor p, Tensor g, Tensor m, Tensor v, Tensor decayTarget, AdamStep h) {
        on("adamw", p, g, m, v, decayTarget);
        f32("adamw", p, g, m, v, decayTarget);
        ReferenceBackend.checkAdam(p, g, m, v, decayTarget, h);
        dense("adamw", p, g, m, v, decayTarget);
        int n = p.numel();
        if (n == 0) return;
        Tensor tgt = decayTarget == null ? p : decayTarget;
        double b1 = h.beta1(), b2 = h.beta2();
        launch1("adamw", cl.kernel("adamw.cl", "adamw"), n, n, n / h.models(), h.models(), mem(p), off(p), mem(g), off(g),
                mem(m), off(m), mem(v), off(v), mem(tgt), off(tgt), decayTarget == null ? 0 : 1, hyper(h.lr(), h.weightDecay()),
                h.beta1(), (float) (1 - b1), h.beta2(), (float) (1 - b2), h.eps(),
                (float) (1 - Math.pow(b1, h.step())), (float) (1 - Math.pow(b2, h.step())));
    }

    @Override public void sgd(Tensor p, Tensor g, Tensor buf, Tensor decayTarget, SgdStep h) {
        boolean mom = h.momentum() != 0;
        on("sgd", p, g, mom ? buf : null, decayTarget);
        f32("sgd", p, g, mom ? buf : null, decayTarget);
        ReferenceBackend.checkSgdShapes(p, g, buf, decayTarget, h);
        dense("sgd", p, g, mom ? buf : null, decayTarget);
        int n = p.numel();
        if (n == 0) return;
        Tensor b = mom ? buf : p, tgt = decayTarget == null ? p : decayTarget;
        launch1("sgd", cl.kernel("sgd.cl", "sgd"), n, n, n / h.models(), h.models(), mem(p), off(p), mem(g), off(g),
                mem(b), off(b), mom ? 1 : 0, mem(tgt), off(tgt), decayTarget == null ? 0 : 1, hyper(h.lr(), h.weightDecay()),
                h.momentum(), (float) (1 - (double) h.dampening()), h.nesterov() ? 1 : 0, h.step() == 1 ? 1 : 0);
    }

    // ---- randomness ----------------------------------------------------------------------------

    @Override public void dropoutMask(int seed, int stream, long counter, double p, Tensor mask) {
        on("dropoutMask", mask);
        f32("dropoutMask", mask);
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        int n = mask.numel();
        if (n == 0) return;
        // u < p  <=>  (bits >>> 8) < ceil(p * 2^24), exactly, since u = (bits >>> 8) * 2^-24.
        int threshold = (int) Math.ceil(p * 16777216.0);
        float keep = (float) (1 / (1 - p));
        ClStorage tmp = mask.isContiguous() ? null : temp(DType.F32, mask.shape());
        try {
            Tensor target = tmp == null ? mask : Tensor.dense(tmp, DType.F32, mask.shape());
            launch1("dropoutMask", cl.kernel("dropout.cl", "dropout_mask"), (n + 3L) / 4, n, seed, stream, (int) counter,
                    (int) (counter >>> 32), threshold, keep, mem(target), off(target));
            if (tmp != null) deviceCopy(target, mask);
        } finally {
            if (tmp != null) tmp.release();
        }
    }

    // ---- walkers -------------------------------------------------------------------------------

    /** Walkers' Box–Muller in double where the device has fp64 (matches the CPU reference; default) or float math. */
    public void setExactWalkerMath(boolean on) { exactWalkerMath = on; }

    /** Whether the walker kernels evaluate Box–Muller in double: asked for and the device has fp64. */
    public boolean exactWalkerMath() { return exactWalkerMath && cl.info.fp64(); }

    private cl_kernel walkerKernel(String name) {
        return cl.programs.kernel("walkers.cl", name, exactWalkerMath() ? "-DWALK_FP64" : "");
    }

    /** Walkers held on the host, stepped on this device (uploaded and downloaded around each call). */
    public dev.groklab.walkers.LangevinKernel hostWalkers() {
        return new dev.groklab.backend.DeviceLangevinKernel(this, "opencl", this::langevin);
    }

    /**
     * Advances n walkers held on this device (dense float32 [n] coordinates; momenta p0, p1 used
     * when the step has momentum, else they may be null) by {@code steps} Langevin steps numbered
     * from {@code stepFrom} (the step names the noise draw, as on the CPU). One launch; each
     * walker stays in registers for all the steps.
     */
    public void langevin(LangevinStep step, Tensor x0, Tensor x1, Tensor p0, Tensor p1, int stepFrom, int steps) {
        if (step == null) throw new IllegalArgumentException("langevin: no step given");
        boolean momentum = step.beta() != 0;
        if (momentum && (p0 == null || p1 == null)) {
            throw new IllegalArgumentException("langevin: a step with momentum (beta = " + step.beta() + ") needs momentum tensors p0 and p1");
        }
        if (x0 == null || x1 == null) throw new IllegalArgumentException("langevin: coordinate tensors x0 and x1 are required");
        Tensor q0 = momentum ? p0 : null, q1 = momentum ? p1 : null;
        on("langevin", x0, x1, q0, q1);
        f32("langevin", x0, x1, q0, q1);
        dense("langevin", x0, x1, q0, q1);
        if (stepFrom < 0 || steps < 0 || (long) stepFrom + steps > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--steps must keep step numbers in 0.." + Integer.MAX_VALUE
                    + ", got steps " + stepFrom + " + " + steps);
        }
        int n = x0.numel();
        if (x1.numel() != n || (momentum && (p0.numel() != n || p1.numel() != n))) {
            throw new IllegalArgumentException("langevin: coordinate tensors differ in length: x0 " + Shapes.str(x0.shape())
                    + ", x1 " + Shapes.str(x1.shape()) + (momentum ? ", p0 " + Shapes.str(p0.shape()) + ", p1 " + Shapes.str(p1.shape()) : ""));
        }
        if (n == 0 || steps == 0) return;
        PotentialForm f = step.form();
        boolean crossing = f.kind() == PotentialForm.Kind.CROSSING_AXES;
        float[] nx = new float[PotentialForm.MAX_LINES], ny = new float[PotentialForm.MAX_LINES];
        System.arraycopy(f.nx(), 0, nx, 0, f.lines());
        System.arraycopy(f.ny(), 0, ny, 0, f.lines());
        float beta = step.beta();
        // Without momentum the kernel never touches p0, p1: x0 stands in for them.
        Tensor m0 = momentum ? p0 : x0, m1 = momentum ? p1 : x0;
        launch1("langevin", walkerKernel(crossing ? "langevin_crossing" : "langevin_lines"), n, n, step.seed(), stepFrom, steps,
                f.lines(), step.dt(), step.sigma(), beta, -(1 - beta), f.kq(), f.kcx(), f.kcy(), f.twoA(), f.px(), f.py(),
                step.domain().halfWidth(), step.domain().torus() ? 1 : 0, momentum ? 1 : 0, nx, ny,
                mem(x0), off(x0), mem(x1), off(x1), mem(m0), off(m0), mem(m1), off(m1));
    }

    /** Uniform starts in [−L, L)² from Philox stream INIT, as {@code Walkers.uniform}. */
    public void uniformWalkers(int seed, float halfWidth, Tensor x0, Tensor x1) {
        if (x0 == null || x1 == null) throw new IllegalArgumentException("uniformWalkers: coordinate tensors x0 and x1 are required");
        on("uniformWalkers", x0, x1);
        f32("uniformWalkers", x0, x1);
        dense("uniformWalkers", x0, x1);
        if (!(halfWidth > 0) || Float.isInfinite(halfWidth)) {
            throw new IllegalArgumentException("uniformWalkers: half-width L must be a finite number > 0, got " + halfWidth);
        }
        int n = x0.numel();
        if (x1.numel() != n) {
            throw new IllegalArgumentException("uniformWalkers: coordinate tensors differ in length: x0 " + Shapes.str(x0.shape())
                    + ", x1 " + Shapes.str(x1.shape()));
        }
        if (n == 0) return;
        launch1("uniformWalkers", walkerKernel("walkers_uniform"), n, n, seed, halfWidth, mem(x0), off(x0), mem(x1), off(x1));
    }

    // ---- launch helpers and checks -------------------------------------------------------------

    private static final Object[] NONE = {};

    /**
     * An elementwise launch over a layout: prefix arguments, then (inner, mid, outer, rank, shape)
     * with the two innermost axes on range dimensions 0 and 1 and the rest decomposed in the
     * kernel, then (buffer, offset, inner stride, mid stride, outer strides) per tensor, then suffix.
     */
    private void launchEw(String name, cl_kernel k, Object[] prefix, Layout l, Tensor[] ts, Object... suffix) {
        int inner = l.rank > 0 ? l.shape[0] : 1, mid = l.rank > 1 ? l.shape[1] : 1;
        Layout rest = l.dropInnermost().dropInnermost();
        int outer = rest.numel;
        List<Object> args = new ArrayList<>(Arrays.asList(prefix));
        args.addAll(List.of(inner, mid, outer, rest.rank, rest.shape));
        for (int t = 0; t < ts.length; t++) {
            args.addAll(List.of(mem(ts[t]), off(ts[t]), l.rank > 0 ? l.stride(t)[0] : 0, l.rank > 1 ? l.stride(t)[1] : 0, rest.stride(t)));
        }
        args.addAll(Arrays.asList(suffix));
        long[] maxItems = cl.info.maxWorkItemSizes();
        long cap = floorPow2(Math.min(ELEMENT_LANES, cl.programs.maxWorkGroup(k)));
        long lx = Math.min(Math.min(cap, floorPow2(maxItems[0])), ceilPow2(inner));
        long ly = Math.min(Math.min(cap / lx, floorPow2(maxItems[1])), ceilPow2(mid));
        long lz = Math.min(Math.min(cap / (lx * ly), floorPow2(maxItems[2])), ceilPow2(outer));
        cl.launch(name, k, new long[]{roundUp(inner, lx), roundUp(mid, ly), roundUp(outer, lz)}, new long[]{lx, ly, lz}, args.toArray());
    }

    private static long roundUp(long n, long m) { return (n + m - 1) / m * m; }

    private void launch1(String name, cl_kernel k, long n, Object... args) {
        long local = floorPow2(Math.min(ELEMENT_LANES, cl.programs.maxWorkGroup(k)));
        long global = (n + local - 1) / local * local;
        cl.launch(name, k, new long[]{global}, new long[]{local}, args);
    }

    /** One work-group per row: lanes a power of two up to the row length, the kernel's limit and the device cap. */
    private void launchRows(String name, cl_kernel k, int rows, int c, Object... args) {
        long lanes = Math.min(floorPow2(Math.min(rowLaneCap, cl.programs.maxWorkGroup(k))), ceilPow2(c));
        Object[] a = Arrays.copyOf(args, args.length + 1);
        a[args.length] = new ClDevice.Local(4 * lanes);
        cl.launch(name, k, new long[]{rows * lanes}, new long[]{lanes}, a);
    }

    private static long floorPow2(long v) { return Long.highestOneBit(Math.max(1, v)); }

    private static long ceilPow2(long v) { return v <= 1 ? 1 : Long.highestOneBit(v - 1) << 1; }

    private ClStorage temp(DType dtype, int... shape) {
        return cl.pool.allocate(Shapes.numel(shape) * dtype.bytes(), dtype, shape);
    }

    /** t itself when dense, else a dense device copy (released by the caller through temps). */
    private Tensor denseInput(Tensor t, List<ClStorage> temps) {
        if (t.isContiguous()) return t;
        ClStorage s = temp(t.dtype(), t.shape());
        temps.add(s);
        Tensor d = Tensor.dense(s, t.dtype(), t.shape());
        deviceCopy(t, d);
        return d;
    }

    private static void dense(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && !t.isContiguous()) {
                throw new IllegalArgumentException(op + ": output " + Shapes.str(t.shape()) + " must be dense");
            }
        }
    }

    private void on(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t == null) continue;
            t.check(op);
            if (!(t.storage() instanceof ClStorage) || !t.device().equals(device)) {
                throw new IllegalArgumentException(op + ": tensor " + Shapes.str(t.shape()) + " is on " + t.device()
                        + ", this backend is " + device);
            }
        }
    }

    private static void f32(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && t.dtype() != DType.F32) {
                throw new IllegalArgumentException(op + ": the OpenCL kernels compute in F32, got a " + t.dtype()
                        + " tensor " + Shapes.str(t.shape()));
            }
        }
    }

    private static void sameShape(String op, Tensor a, Tensor b) {
        if (!a.sameShape(b)) {
            throw new IllegalArgumentException(op + ": shapes differ: " + Shapes.str(a.shape()) + " vs " + Shapes.str(b.shape()));
        }
    }

    private static ClStorage storage(Tensor t) { return (ClStorage) t.storage(); }

    private static cl_mem mem(Tensor t) { return storage(t).mem(); }

    private static int off(Tensor t) { return (int) t.offset(); }
}
