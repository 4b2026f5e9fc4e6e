// A stand-in for the NVIDIA driver's libcuda.so.1, for testing the driver bindings (FfmCudaDriver,
// JCudaDriver) on machines without a GPU: CudaDriverStubTest compiles it against the CUDA
// toolkit's cuda.h, so every entry point has the header's prototype and the versioned symbol name
// the header maps the API name to (cuMemAlloc -> cuMemAlloc_v2, ...), as the real library exports.
//
// "Device" memory is host memory (so copies round-trip), handles are tagged constants that every
// call checks, kernels are not run: a launch records its function, geometry, stream and the
// bytes its parameter pointers point to (sizes announced with stub_param_sizes). Each call
// appends "name(arguments)" to a log that the test reads with stub_log(); stub_fail() makes the
// next call of a name fail with a given CUresult.
#include <cuda.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTX ((CUcontext) (uintptr_t) 0xC7C70000u)
#define MODULE ((CUmodule) (uintptr_t) 0x30D00000u)
#define STREAM_BASE 0x57E00000u
#define GRAPH_BASE 0x6A700000u
#define EXEC_BASE 0xE8E00000u
#define EVENT_BASE 0xE7E00000u
#define FUNCTION_BASE 0xF0000000u

static char log_buf[1 << 16];
static size_t log_len;
static char fail_name[64];
static CUresult fail_code;
static char functions[64][128];
static int nfunctions, nstreams, ngraphs, nexecs, nevents;
static CUcontext current;
static int capturing;
static int param_sizes[64], nparams = -1;
static unsigned char launch_bytes[8192];
static int launch_len;

__attribute__((format(printf, 1, 2))) static void note(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(log_buf + log_len, sizeof log_buf - log_len, fmt, ap);
    va_end(ap);
    if (n > 0 && log_len + n + 1 < sizeof log_buf) {
        log_len += n;
        log_buf[log_len++] = '\n';
        log_buf[log_len] = 0;
    }
}

static CUresult failing(const char* name) {
    if (fail_name[0] && strcmp(fail_name, name) == 0) {
        fail_name[0] = 0;
        return fail_code;
    }
    return CUDA_SUCCESS;
}

#define ENTER(name) do { CUresult f_ = failing(name); if (f_ != CUDA_SUCCESS) { note("%s -> %d", name, (int) f_); return f_; } } while (0)
#define NEED_CTX() do { if (current != CTX) return CUDA_ERROR_INVALID_CONTEXT; } while (0)

static int handle_ok(const void* h, unsigned base, int count) {
    uintptr_t v = (uintptr_t) h;
    return v > base && v <= base + (unsigned) count;
}

// ---- test hooks ---------------------------------------------------------------------------------

const char* stub_log(void) { return log_buf; }
void stub_log_clear(void) { log_len = 0; log_buf[0] = 0; }
void stub_fail(const char* name, int code) { snprintf(fail_name, sizeof fail_name, "%s", name); fail_code = (CUresult) code; }
void stub_param_sizes(int n, const int* sizes) { nparams = n; for (int i = 0; i < n && i < 64; i++) param_sizes[i] = sizes[i]; }
int stub_launch_bytes(unsigned char* out, int cap) { int n = launch_len < cap ? launch_len : cap; memcpy(out, launch_bytes, n); return n; }

// ---- initialization, devices, contexts --------------------------------------------------------

CUresult CUDAAPI cuInit(unsigned int flags) { ENTER("cuInit"); note("cuInit(%u)", flags); return flags == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE; }
CUresult CUDAAPI cuDriverGetVersion(int* v) { ENTER("cuDriverGetVersion"); *v = 13000; return CUDA_SUCCESS; }
CUresult CUDAAPI cuDeviceGetCount(int* n) { ENTER("cuDeviceGetCount"); *n = 1; return CUDA_SUCCESS; }
CUresult CUDAAPI cuDeviceGet(CUdevice* d, int ordinal) { ENTER("cuDeviceGet"); if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE; *d = 0; return CUDA_SUCCESS; }

CUresult CUDAAPI cuDeviceGetName(char* name, int len, CUdevice dev) {
    ENTER("cuDeviceGetName");
    if (dev != 0 || len < 32) return CUDA_ERROR_INVALID_VALUE;
    snprintf(name, (size_t) len, "Stub CUDA device");
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetAttribute(int* v, CUdevice_attribute attr, CUdevice dev) {
    ENTER("cuDeviceGetAttribute");
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    switch (attr) {
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *v = 9; break;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *v = 0; break;
        case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *v = 132; break;
        default: *v = 0;
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceTotalMem(size_t* bytes, CUdevice dev) {
    ENTER("cuDeviceTotalMem_v2");
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    *bytes = (size_t) 80 << 30;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext* ctx, CUdevice dev) {
    ENTER("cuDevicePrimaryCtxRetain");
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    *ctx = CTX;
    note("cuDevicePrimaryCtxRetain(%d)", dev);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxSetCurrent(CUcontext ctx) {
    ENTER("cuCtxSetCurrent");
    if (ctx != CTX) return CUDA_ERROR_INVALID_CONTEXT;
    current = ctx;
    note("cuCtxSetCurrent");
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemGetInfo(size_t* free_bytes, size_t* total) {
    ENTER("cuMemGetInfo_v2");
    NEED_CTX();
    *free_bytes = (size_t) 79 << 30;
    *total = (size_t) 80 << 30;
    return CUDA_SUCCESS;
}

// ---- modules ------------------------------------------------------------------------------------

CUresult CUDAAPI cuModuleLoadData(CUmodule* module, const void* image) {
    ENTER("cuModuleLoadData");
    NEED_CTX();
    const unsigned char* b = (const unsigned char*) image;
    note("cuModuleLoadData(%02x %02x %02x %02x)", b[0], b[1], b[2], b[3]);
    *module = MODULE;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleGetFunction(CUfunction* f, CUmodule module, const char* name) {
    ENTER("cuModuleGetFunction");
    NEED_CTX();
    if (module != MODULE) return CUDA_ERROR_INVALID_HANDLE;
    if (nfunctions == 64 || strlen(name) >= 128) return CUDA_ERROR_OUT_OF_MEMORY;
    snprintf(functions[nfunctions], 128, "%s", name);
    nfunctions++;
    *f = (CUfunction) (uintptr_t) (FUNCTION_BASE + nfunctions);
    note("cuModuleGetFunction(%s)", name);
    return CUDA_SUCCESS;
}

// ---- memory -------------------------------------------------------------------------------------

CUresult CUDAAPI cuMemAlloc(CUdeviceptr* p, size_t bytes) {
    ENTER("cuMemAlloc_v2");
    NEED_CTX();
    if (bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    if (bytes > ((size_t) 1 << 34)) return CUDA_ERROR_OUT_OF_MEMORY;
    void* m = aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (!m) return CUDA_ERROR_OUT_OF_MEMORY;
    memset(m, 0xA5, bytes);   // never zeros: unwritten memory shows
    *p = (CUdeviceptr) (uintptr_t) m;
    note("cuMemAlloc_v2(%zu)", bytes);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemFree(CUdeviceptr p) {
    ENTER("cuMemFree_v2");
    NEED_CTX();
    free((void*) (uintptr_t) p);
    note("cuMemFree_v2");
    return CUDA_SUCCESS;
}

static int stream_ok(CUstream s) { return s == NULL || handle_ok(s, STREAM_BASE, nstreams); }

CUresult CUDAAPI cuMemcpyHtoDAsync(CUdeviceptr dst, const void* src, size_t bytes, CUstream s) {
    ENTER("cuMemcpyHtoDAsync_v2");
    NEED_CTX();
    if (!stream_ok(s)) return CUDA_ERROR_INVALID_HANDLE;
    if (capturing) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;   // pageable host memory
    memcpy((void*) (uintptr_t) dst, src, bytes);
    note("cuMemcpyHtoDAsync_v2(%zu)", bytes);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyDtoHAsync(void* dst, CUdeviceptr src, size_t bytes, CUstream s) {
    ENTER("cuMemcpyDtoHAsync_v2");
    NEED_CTX();
    if (!stream_ok(s)) return CUDA_ERROR_INVALID_HANDLE;
    if (capturing) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    memcpy(dst, (const void*) (uintptr_t) src, bytes);
    note("cuMemcpyDtoHAsync_v2(%zu)", bytes);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyDtoDAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream s) {
    ENTER("cuMemcpyDtoDAsync_v2");
    NEED_CTX();
    if (!stream_ok(s)) return CUDA_ERROR_INVALID_HANDLE;
    if (!capturing) memmove((void*) (uintptr_t) dst, (const void*) (uintptr_t) src, bytes);
    note("cuMemcpyDtoDAsync_v2(%zu)", bytes);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemsetD32Async(CUdeviceptr dst, unsigned int value, size_t count, CUstream s) {
    ENTER("cuMemsetD32Async");
    NEED_CTX();
    if (!stream_ok(s)) return CUDA_ERROR_INVALID_HANDLE;
    if (!capturing) for (size_t i = 0; i < count; i++) ((unsigned int*) (uintptr_t) dst)[i] = value;
    note("cuMemsetD32Async(%u, %zu)", value, count);
    return CUDA_SUCCESS;
}

// ---- launches -----------------------------------------------------------------------------------

CUresult CUDAAPI cuLaunchKernel(CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by,
                                unsigned int bz, unsigned int shared, CUstream s, void** params, void** extra) {
    ENTER("cuLaunchKernel");
    NEED_CTX();
    if (!handle_ok(f, FUNCTION_BASE, nfunctions) || !stream_ok(s)) return CUDA_ERROR_INVALID_HANDLE;
    if (extra != NULL || (params == NULL && nparams > 0)) return CUDA_ERROR_INVALID_VALUE;
    if ((unsigned long long) bx * by * bz > 1024 || gx == 0 || gy == 0 || gz == 0) return CUDA_ERROR_INVALID_VALUE;
    launch_len = 0;
    for (int i = 0; i < nparams; i++) {
        if (launch_len + param_sizes[i] > (int) sizeof launch_bytes) return CUDA_ERROR_INVALID_VALUE;
        memcpy(launch_bytes + launch_len, params[i], (size_t) param_sizes[i]);
        launch_len += param_sizes[i];
    }
    const char* name = functions[(uintptr_t) f - FUNCTION_BASE - 1];
    note("cuLaunchKernel(%s, %u %u %u, %u %u %u, %u, stream %d%s)", name, gx, gy, gz, bx, by, bz, shared,
         s == NULL ? 0 : (int) ((uintptr_t) s - STREAM_BASE), capturing ? ", captured" : "");
    return CUDA_SUCCESS;
}

// ---- streams, graphs, events ----------------------------------------------------------------------

CUresult CUDAAPI cuStreamCreate(CUstream* s, unsigned int flags) {
    ENTER("cuStreamCreate");
    NEED_CTX();
    *s = (CUstream) (uintptr_t) (STREAM_BASE + ++nstreams);
    note("cuStreamCreate(%u)", flags);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamDestroy(CUstream s) { ENTER("cuStreamDestroy_v2"); return handle_ok(s, STREAM_BASE, nstreams) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE; }

CUresult CUDAAPI cuStreamSynchronize(CUstream s) {
    ENTER("cuStreamSynchronize");
    NEED_CTX();
    if (!stream_ok(s)) return CUDA_ERROR_INVALID_HANDLE;
    if (capturing) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    note("cuStreamSynchronize");
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamBeginCapture(CUstream s, CUstreamCaptureMode mode) {
    ENTER("cuStreamBeginCapture_v2");
    NEED_CTX();
    if (!handle_ok(s, STREAM_BASE, nstreams)) return CUDA_ERROR_INVALID_HANDLE;
    if (capturing) return CUDA_ERROR_ILLEGAL_STATE;
    capturing = 1;
    note("cuStreamBeginCapture_v2(%d)", (int) mode);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamEndCapture(CUstream s, CUgraph* g) {
    ENTER("cuStreamEndCapture");
    if (!handle_ok(s, STREAM_BASE, nstreams)) return CUDA_ERROR_INVALID_HANDLE;
    if (!capturing) return CUDA_ERROR_ILLEGAL_STATE;
    capturing = 0;
    *g = (CUgraph) (uintptr_t) (GRAPH_BASE + ++ngraphs);
    note("cuStreamEndCapture");
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphInstantiate(CUgraphExec* e, CUgraph g, unsigned long long flags) {
    ENTER("cuGraphInstantiateWithFlags");
    NEED_CTX();
    if (!handle_ok(g, GRAPH_BASE, ngraphs)) return CUDA_ERROR_INVALID_HANDLE;
    if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
    *e = (CUgraphExec) (uintptr_t) (EXEC_BASE + ++nexecs);
    note("cuGraphInstantiateWithFlags(%llu)", flags);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphLaunch(CUgraphExec e, CUstream s) {
    ENTER("cuGraphLaunch");
    NEED_CTX();
    if (!handle_ok(e, EXEC_BASE, nexecs) || !stream_ok(s)) return CUDA_ERROR_INVALID_HANDLE;
    note("cuGraphLaunch");
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphExecDestroy(CUgraphExec e) { ENTER("cuGraphExecDestroy"); note("cuGraphExecDestroy"); return handle_ok(e, EXEC_BASE, nexecs) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE; }
CUresult CUDAAPI cuGraphDestroy(CUgraph g) { ENTER("cuGraphDestroy"); note("cuGraphDestroy"); return handle_ok(g, GRAPH_BASE, ngraphs) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE; }

CUresult CUDAAPI cuEventCreate(CUevent* e, unsigned int flags) {
    ENTER("cuEventCreate");
    NEED_CTX();
    *e = (CUevent) (uintptr_t) (EVENT_BASE + ++nevents);
    note("cuEventCreate(%u)", flags);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventRecord(CUevent e, CUstream s) { ENTER("cuEventRecord"); return handle_ok(e, EVENT_BASE, nevents) && stream_ok(s) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE; }
CUresult CUDAAPI cuEventSynchronize(CUevent e) { ENTER("cuEventSynchronize"); return handle_ok(e, EVENT_BASE, nevents) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE; }

CUresult CUDAAPI cuEventElapsedTime(float* ms, CUevent a, CUevent b) {
    ENTER("cuEventElapsedTime_v2");
    if (!handle_ok(a, EVENT_BASE, nevents) || !handle_ok(b, EVENT_BASE, nevents)) return CUDA_ERROR_INVALID_HANDLE;
    *ms = 1.5f;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventDestroy(CUevent e) { ENTER("cuEventDestroy_v2"); return handle_ok(e, EVENT_BASE, nevents) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE; }

#include "cuda_error_names.h"

// The unversioned names that older binaries (JCuda 12.6's libJCudaDriver) import for calls whose
// header name now maps to a newer version; the driver keeps exporting both.
#undef cuEventElapsedTime
CUresult CUDAAPI cuEventElapsedTime(float* ms, CUevent a, CUevent b) { return cuEventElapsedTime_v2(ms, a, b); }
