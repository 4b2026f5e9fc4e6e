package dev.groklab.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Every {@link CudaDriver} call, through a real binding (FFM or JCuda) into the stub driver
 * library: the values each call passes arrive in the right order and width, out-parameters come
 * back, copies move the right bytes, a launch's parameter pointers point at the packed values,
 * and a failing call throws {@link CudaException} with the call and the driver's error name.
 * Used in-process by {@link CudaDriverStubTest} and, as {@link #main}, in a child JVM whose
 * dynamic loader finds the stub as libcuda.so.1 (JCuda links to it by that name).
 */
final class StubDriverCheck {
    private StubDriverCheck() {}

    static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }

    static void equal(Object expected, Object actual, String what) {
        if (!expected.equals(actual)) throw new AssertionError(what + ": expected " + expected + ", got " + actual);
    }

    private static void logged(CudaStub stub, String entry) {
        String log = stub.log();
        check(log.contains(entry), "the stub's log lacks '" + entry + "':\n" + log);
    }

    private static CudaException fails(Runnable call) {
        try {
            call.run();
        } catch (CudaException e) {
            return e;
        }
        throw new AssertionError("the call did not fail");
    }

    /** Runs the whole API through {@code d} against the stub behind {@code stub}. */
    static void run(CudaDriver d, CudaStub stub) {
        String n = d.name();
        stub.clearLog();
        stub.paramSizes();
        d.init();
        logged(stub, "cuInit(0)");
        equal(13000, d.driverVersion(), n + " driverVersion");
        equal(1, d.deviceCount(), n + " deviceCount");
        int dev = d.device(0);
        equal("Stub CUDA device", d.deviceName(dev), n + " deviceName");
        equal(9, d.deviceAttribute(dev, CudaDriver.ATTR_CC_MAJOR), n + " compute capability major");
        equal(0, d.deviceAttribute(dev, CudaDriver.ATTR_CC_MINOR), n + " compute capability minor");
        equal(132, d.deviceAttribute(dev, CudaDriver.ATTR_MULTIPROCESSOR_COUNT), n + " multiprocessors");
        equal(80L << 30, d.deviceTotalMem(dev), n + " deviceTotalMem");
        long ctx = d.primaryContextRetain(dev);
        d.contextSetCurrent(ctx);
        logged(stub, "cuCtxSetCurrent");
        long[] info = d.memGetInfo();
        equal(79L << 30, info[0], n + " memGetInfo free");
        equal(80L << 30, info[1], n + " memGetInfo total");

        long module = d.moduleLoadData(new byte[]{0x50, (byte) 0xED, 0x55, (byte) 0xBA, 1, 0, 2});
        logged(stub, "cuModuleLoadData(50 ed 55 ba)");
        long f = d.moduleGetFunction(module, "fill_b32");
        logged(stub, "cuModuleGetFunction(fill_b32)");
        long s = d.streamCreate(CudaDriver.STREAM_NON_BLOCKING);
        logged(stub, "cuStreamCreate(1)");

        // Copies: host → device, device → device, memset, device → host.
        long a = d.memAlloc(4096), b = d.memAlloc(4096);
        logged(stub, "cuMemAlloc_v2(4096)");
        check(a != 0 && b != 0 && a != b && a % 256 == 0, n + " memAlloc returned " + a + ", " + b);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(4096, 64), dst = arena.allocate(4096, 64);
            for (int i = 0; i < 1024; i++) src.setAtIndex(JAVA_INT, i, 3 * i + 1);
            d.memcpyHtoDAsync(a, src, 4096, s);
            d.memcpyDtoDAsync(b, a, 4096, s);
            d.memsetD32Async(a, 7, 10, s);
            d.memcpyDtoHAsync(dst, b, 4096, s);
            d.streamSynchronize(s);
            check(Arrays.equals(src.toArray(JAVA_INT), dst.toArray(JAVA_INT)), n + ": host → device → device → host changed the data");
            d.memcpyDtoHAsync(dst, a, 48, s);
            for (int i = 0; i < 12; i++) {
                equal(i < 10 ? 7 : 3 * i + 1, dst.getAtIndex(JAVA_INT, i), n + " element " + i + " after memsetD32Async of 10 words");
            }
        }
        logged(stub, "cuMemsetD32Async(7, 10)");

        // A launch: each parameter pointer points at its value, in order.
        KernelArgs args = new KernelArgs().ptr(a).i32(-5).f32(2.5f).i64(1L << 40).ints(1, 2, 3).f64(-0.25);
        stub.paramSizes(8, 4, 4, 8, 12, 8);
        d.launchKernel(f, 3, 2, 1, 128, 1, 1, 0, s, args);
        ByteBuffer want = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        want.putLong(a).putInt(-5).putFloat(2.5f).putLong(1L << 40).putInt(1).putInt(2).putInt(3).putDouble(-0.25);
        check(Arrays.equals(want.array(), stub.launchBytes()), n + ": the kernel parameters arrived as "
                + Arrays.toString(stub.launchBytes()) + ", not " + Arrays.toString(want.array()));
        logged(stub, "cuLaunchKernel(fill_b32, 3 2 1, 128 1 1, 0, stream ");

        // Capture, instantiate, launch and destroy a graph.
        d.streamBeginCapture(s, CudaDriver.CAPTURE_MODE_RELAXED);
        logged(stub, "cuStreamBeginCapture_v2(2)");
        d.launchKernel(f, 1, 1, 1, 32, 1, 1, 0, s, args);
        logged(stub, ", captured)");
        long g = d.streamEndCapture(s);
        long e = d.graphInstantiate(g);
        logged(stub, "cuGraphInstantiateWithFlags(0)");
        d.graphLaunch(e, s);
        logged(stub, "cuGraphLaunch");
        d.graphExecDestroy(e);
        d.graphDestroy(g);

        // Events.
        long e0 = d.eventCreate(0), e1 = d.eventCreate(0);
        d.eventRecord(e0, s);
        d.eventRecord(e1, s);
        d.eventSynchronize(e1);
        equal(1.5f, d.eventElapsedMs(e0, e1), n + " eventElapsedMs");
        d.eventDestroy(e0);
        d.eventDestroy(e1);

        // Errors name the call and the driver's error.
        stub.failNext("cuMemAlloc_v2", 2);
        CudaException oom = fails(() -> d.memAlloc(64));
        equal(2, oom.code(), n + " out-of-memory code");
        equal("CUDA_ERROR_OUT_OF_MEMORY", oom.errorName(), n + " out-of-memory name");
        check(oom.call().startsWith("cuMemAlloc"), n + ": the failing call is named " + oom.call());
        stub.failNext("cuStreamSynchronize", 700);
        equal("CUDA_ERROR_ILLEGAL_ADDRESS", fails(() -> d.streamSynchronize(s)).errorName(), n + " illegal address name");
        stub.failNext("cuEventSynchronize", 12345);
        CudaException unknown = fails(() -> d.eventSynchronize(d.eventCreate(0)));
        equal(12345, unknown.code(), n + " unknown code");

        d.memFree(a);
        d.memFree(b);
        d.streamDestroy(s);
    }

    /**
     * In a JVM whose loader finds the stub as libcuda.so.1: {@link #run} through each named
     * binding, then the backend's probe through each. Prints "ok" and exits 0, else the failure.
     */
    public static void main(String[] drivers) {
        try {
            CudaStub stub = CudaStub.of("libcuda.so.1");
            for (String name : drivers) run(CudaDriver.open(name), stub);
            for (String name : drivers) {
                CudaBackend.Availability av = CudaBackend.probe(name);
                if (CudaBackend.fatbin() == null) {
                    equal(CudaBackend.NO_KERNELS, av.reason(), name + " probe without kernels");
                } else {
                    check(av.available(), name + " probe: " + av.reason());
                    check(av.description().startsWith("Stub CUDA device, 80.0 GiB, 132 SMs, compute capability 9.0, CUDA driver 13.0"),
                            name + " probe: " + av.description());
                }
            }
            System.out.println("ok");
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }
}
