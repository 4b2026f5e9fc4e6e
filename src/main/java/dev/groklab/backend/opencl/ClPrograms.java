package dev.groklab.backend.opencl;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.jocl.CL.*;

/**
 * Builds each kernel source once per context, keyed by source and build options, and hands out
 * its kernels. Sources are {@code /kernels/opencl/<file>.cl} resources with {@code common.cl}
 * prepended; {@code #line} directives make compiler messages name the real file and line.
 */
final class ClPrograms {
    static final String RESOURCE_DIR = "/kernels/opencl/";

    private final cl_context context;
    private final cl_device_id device;
    private final String deviceName;
    private final Map<String, cl_program> programs = new HashMap<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final Map<cl_kernel, Long> workGroup = new HashMap<>();
    private static final Map<String, String> SOURCES = new HashMap<>();

    ClPrograms(cl_context context, cl_device_id device, String deviceName) {
        this.context = context;
        this.device = device;
        this.deviceName = deviceName;
    }

    /** The full source of one kernel file, shared helpers first. */
    static synchronized String source(String file) {
        return SOURCES.computeIfAbsent(file, f -> "#line 1 \"kernels/opencl/common.cl\"\n" + resource("common.cl")
                + "\n#line 1 \"kernels/opencl/" + f + "\"\n" + resource(f));
    }

    private static String resource(String file) {
        try (InputStream in = ClPrograms.class.getResourceAsStream(RESOURCE_DIR + file)) {
            if (in == null) throw new OpenClException("opencl: kernel source " + RESOURCE_DIR + file + " is not on the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new OpenClException("opencl: cannot read kernel source " + RESOURCE_DIR + file + ": " + e.getMessage(), e);
        }
    }

    /** The kernel {@code name} of {@code file} built with {@code options}. */
    synchronized cl_kernel kernel(String file, String name, String options) {
        String kkey = file + '\0' + options + '\0' + name;
        cl_kernel k = kernels.get(kkey);
        if (k != null) return k;
        cl_program p = program(file, options);
        int[] err = new int[1];
        k = clCreateKernel(p, name, err);
        if (err[0] != CL_SUCCESS) {
            throw new OpenClException("opencl: no kernel " + name + " in kernels/opencl/" + file + ": " + OpenClPlatforms.errorName(err[0]));
        }
        kernels.put(kkey, k);
        return k;
    }

    /** CL_KERNEL_WORK_GROUP_SIZE: the largest work-group this kernel can launch with on the device. */
    synchronized long maxWorkGroup(cl_kernel k) {
        return workGroup.computeIfAbsent(k, kk -> {
            long[] v = new long[1];
            int rc = clGetKernelWorkGroupInfo(kk, device, CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(v), null);
            return rc == CL_SUCCESS ? v[0] : 1L;
        });
    }

    private cl_program program(String file, String options) {
        String src = source(file);
        String key = src + '\0' + options;
        cl_program p = programs.get(key);
        if (p != null) return p;
        int[] err = new int[1];
        p = clCreateProgramWithSource(context, 1, new String[]{src}, null, err);
        if (err[0] != CL_SUCCESS) {
            throw new OpenClException("opencl: cannot create program kernels/opencl/" + file + ": " + OpenClPlatforms.errorName(err[0]));
        }
        int rc = clBuildProgram(p, 1, new cl_device_id[]{device}, options, null, null);
        if (rc != CL_SUCCESS) {
            String log = buildLog(p);
            clReleaseProgram(p);
            throw new OpenClException("opencl: cannot build kernels/opencl/" + file + " for " + deviceName
                    + (options.isEmpty() ? "" : " with options '" + options + "'") + ": " + OpenClPlatforms.errorName(rc)
                    + "\n" + log.strip());
        }
        programs.put(key, p);
        return p;
    }

    private String buildLog(cl_program p) {
        long[] size = new long[1];
        if (clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, 0, null, size) != CL_SUCCESS) return "(no build log)";
        byte[] b = new byte[(int) size[0]];
        clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, b.length, Pointer.to(b), null);
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** Builds arbitrary source under a file name: for tests of the error path. */
    synchronized void buildForTest(String file, String source, String options) {
        SOURCES.put(file, "#line 1 \"kernels/opencl/" + file + "\"\n" + source);
        try {
            program(file, options);
        } finally {
            SOURCES.remove(file);
        }
    }
}
