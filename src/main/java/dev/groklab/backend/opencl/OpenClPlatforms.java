package dev.groklab.backend.opencl;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.jocl.CL.*;

/** Lists OpenCL platforms and devices and picks the best device. */
public final class OpenClPlatforms {
    private OpenClPlatforms() {}

    /** One device: its place (platform P, device D, as in {@code opencl:P:D}) and what it offers. */
    public record DeviceInfo(int platform, int index, String platformName, String name, String vendor, String type,
                             long globalMemBytes, long maxAllocBytes, long localMemBytes, int computeUnits,
                             int clockMhz, long maxWorkGroupSize, long[] maxWorkItemSizes, String version, String cVersion, boolean fp64,
                             cl_platform_id platformId, cl_device_id deviceId) {
        public String id() { return "opencl:" + platform + ":" + index; }

        public boolean isGpu() { return type.equals("GPU"); }

        /** Ranking for {@link #best}: GPUs first, then compute units × clock. */
        double score() {
            int kind = switch (type) { case "GPU" -> 2; case "ACCELERATOR" -> 1; default -> 0; };
            return kind * 1e12 + (double) computeUnits * Math.max(clockMhz, 1);
        }

        /** One line: id, name, memory, compute units, work-group size, version. */
        public String describe() {
            return String.format("%s  %s %s (%s), %.1f GiB global memory, %d compute units @ %d MHz, work-group <= %d, %s",
                    id(), type, name.trim(), vendor.trim(), globalMemBytes / (double) (1L << 30), computeUnits, clockMhz,
                    maxWorkGroupSize, version.trim());
        }
    }

    /** What discovery found: platform names and devices, or why OpenCL cannot be used. */
    public record Discovery(List<String> platforms, List<DeviceInfo> devices, String unavailableReason) {
        public boolean available() { return unavailableReason == null; }
    }

    /** Queries every platform and device; never throws. */
    public static Discovery discover() {
        List<String> platformNames = new ArrayList<>();
        List<DeviceInfo> devices = new ArrayList<>();
        try {
            int[] count = new int[1];
            int rc = clGetPlatformIDs(0, null, count);
            if (rc == CL_PLATFORM_NOT_FOUND_KHR || (rc == CL_SUCCESS && count[0] == 0)) {
                return new Discovery(platformNames, devices, "no OpenCL platform: install an ICD such as pocl-opencl-icd");
            }
            if (rc != CL_SUCCESS) return new Discovery(platformNames, devices, "clGetPlatformIDs failed: " + stringFor_errorCode(rc));
            cl_platform_id[] ps = new cl_platform_id[count[0]];
            clGetPlatformIDs(ps.length, ps, null);
            for (int p = 0; p < ps.length; p++) {
                String pname = platformString(ps[p], CL_PLATFORM_NAME);
                platformNames.add(pname);
                int[] nd = new int[1];
                rc = clGetDeviceIDs(ps[p], CL_DEVICE_TYPE_ALL, 0, null, nd);
                if (rc != CL_SUCCESS || nd[0] == 0) continue;
                cl_device_id[] ds = new cl_device_id[nd[0]];
                clGetDeviceIDs(ps[p], CL_DEVICE_TYPE_ALL, ds.length, ds, null);
                for (int d = 0; d < ds.length; d++) devices.add(info(p, d, pname, ps[p], ds[d]));
            }
            if (devices.isEmpty()) {
                return new Discovery(platformNames, devices, "OpenCL platform(s) " + platformNames + " expose no device");
            }
            return new Discovery(platformNames, devices, null);
        } catch (LinkageError e) {
            return new Discovery(platformNames, devices,
                    "no OpenCL library: install an ICD loader and an ICD such as pocl-opencl-icd (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            return new Discovery(platformNames, devices, "OpenCL discovery failed: " + e.getMessage());
        }
    }

    /** The best device: a GPU over a CPU, then more compute units × clock. */
    public static DeviceInfo best(List<DeviceInfo> devices) {
        return devices.stream().max(Comparator.comparingDouble(DeviceInfo::score)).orElseThrow();
    }

    private static DeviceInfo info(int p, int d, String pname, cl_platform_id pid, cl_device_id id) {
        long type = deviceLong(id, CL_DEVICE_TYPE);
        String t = (type & CL_DEVICE_TYPE_GPU) != 0 ? "GPU" : (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "ACCELERATOR"
                : (type & CL_DEVICE_TYPE_CPU) != 0 ? "CPU" : "OTHER";
        String ext = deviceString(id, CL_DEVICE_EXTENSIONS);
        return new DeviceInfo(p, d, pname, deviceString(id, CL_DEVICE_NAME), deviceString(id, CL_DEVICE_VENDOR), t,
                deviceLong(id, CL_DEVICE_GLOBAL_MEM_SIZE), deviceLong(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                deviceLong(id, CL_DEVICE_LOCAL_MEM_SIZE), deviceInt(id, CL_DEVICE_MAX_COMPUTE_UNITS),
                deviceInt(id, CL_DEVICE_MAX_CLOCK_FREQUENCY), deviceSize(id, CL_DEVICE_MAX_WORK_GROUP_SIZE), workItemSizes(id),
                deviceString(id, CL_DEVICE_VERSION), deviceString(id, CL_DEVICE_OPENCL_C_VERSION),
                ext.contains("cl_khr_fp64"), pid, id);
    }

    private static long[] workItemSizes(cl_device_id d) {
        int dims = deviceInt(d, CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS);
        long[] v = new long[Math.max(dims, 3)];
        clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_ITEM_SIZES, (long) Sizeof.size_t * dims, Pointer.to(v), null);
        for (int i = dims; i < v.length; i++) v[i] = 1;
        return v;
    }

    static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, b.length, Pointer.to(b), null);
        return cString(b);
    }

    static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, b.length, Pointer.to(b), null);
        return cString(b);
    }

    static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.cl_long, Pointer.to(v), null);
        return v[0];
    }

    static int deviceInt(cl_device_id d, int param) {
        int[] v = new int[1];
        clGetDeviceInfo(d, param, Sizeof.cl_int, Pointer.to(v), null);
        return v[0];
    }

    static long deviceSize(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.size_t, Pointer.to(v), null);
        return v[0];
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    static String errorName(int code) { return CL.stringFor_errorCode(code); }
}
