// A libcuda.so.1 that runs groklab's CUDA kernels on the CPU: the driver API calls the backend
// makes (FfmCudaDriver), with "device" memory in host memory and every launch executed at once,
// block after block, each block's threads as fibers (device.hpp). The GPU test suite runs the
// real kernels/cuda sources through it, so their index math, shared-memory tiling, warp
// exchanges and barriers are checked against the CPU reference on machines without a GPU.
//
// build.sh compiles this file with device.hpp, kernels.inc (an #include of every .cu) and entries.inc (one
// GL_ENTRY(name) per extern "C" kernel). A kernel that reaches a barrier some of its threads
// never reach fails the launch with CUDA_ERROR_ILLEGAL_INSTRUCTION, a misaligned tensor-core tile
// with CUDA_ERROR_MISALIGNED_ADDRESS, each with a message on stderr.
#include <cuda.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <map>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "device.hpp"
#include "kernels.inc"

// ---- fibers -----------------------------------------------------------------------------------------
// Switches stacks, saving the callee-saved registers on the old one (System V x86-64).
extern "C" void glemu_switch(void** save, void* to);
__asm__(R"(
    .text
    .hidden glemu_switch
    .globl glemu_switch
    .type glemu_switch, @function
glemu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size glemu_switch, .-glemu_switch
)");

namespace glemu {
Fiber* cur;
Block* blk;

namespace {
constexpr size_t STACK = 256 << 10;   // a tensor-core fragment holds a whole tile per lane
void* scheduler_sp;
void (*body)(void* fn, void* const* params);
void* body_fn;
void* const* body_params;
// Never destroyed: a process may exit (running static destructors) while a thread is mid-launch.
std::vector<Fiber>& fibers = *new std::vector<Fiber>();
std::vector<char*>& stacks = *new std::vector<char*>();
std::string& failure = *new std::string();

[[noreturn]] void fiber_main() {
    body(body_fn, body_params);
    cur->async.finish();
    cur->state = DONE;
    glemu_switch(&cur->sp, scheduler_sp);
    __builtin_unreachable();
}

void start(Fiber& f, char* stack) {
    uintptr_t top = ((uintptr_t) stack + STACK) & ~(uintptr_t) 15;
    void** sp = (void**) top;
    *--sp = nullptr;                       // so the entry sees the stack as just after a call
    *--sp = (void*) &fiber_main;           // glemu_switch's ret goes here
    for (int i = 0; i < 6; i++) *--sp = nullptr;
    f.sp = sp;
    f.state = RUNNABLE;
    f.async.open.clear();
    f.async.committed.clear();
}

// Runs one block to completion; false (and `failure`) when its threads wait on each other forever.
bool run_block(int threads, bool reverse) {
    while (stacks.size() < (size_t) threads) {
        void* m = mmap(nullptr, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) { failure = "out of memory for thread stacks"; return false; }
        stacks.push_back((char*) m);
    }
    fibers.resize(threads);
    for (int i = 0; i < threads; i++) {
        Fiber& f = fibers[i];
        f.tid = Dim3{(unsigned) (i % blk->bdim.x), (unsigned) (i / blk->bdim.x % blk->bdim.y), (unsigned) (i / (blk->bdim.x * blk->bdim.y))};
        f.warp = i / 32;
        f.lane = i % 32;
        start(f, stacks[i]);
    }
    // Warp by warp: a warp's lanes run until each waits at __syncthreads or is done, meeting at
    // their warp barriers on the way; then the block's barrier releases every waiting thread.
    int warps = (threads + 31) / 32;
    for (;;) {
        for (int wi = 0; wi < warps; wi++) {
            int w = reverse ? warps - 1 - wi : wi, lo = w * 32, hi = lo + 32 < threads ? lo + 32 : threads;
            for (;;) {
                for (int j = lo; j < hi; j++) {
                    Fiber& f = fibers[reverse ? hi - 1 - (j - lo) : j];
                    if (f.state != RUNNABLE) continue;
                    cur = &f;
                    glemu_switch(&scheduler_sp, f.sp);
                }
                int atWarp = 0, atBlock = 0;
                for (int i = lo; i < hi; i++) {
                    atWarp += fibers[i].state == AT_WARP;
                    atBlock += fibers[i].state == AT_BLOCK;
                }
                if (atWarp == 0) break;
                if (atBlock > 0) {
                    char msg[160];
                    snprintf(msg, sizeof msg, "block (%u,%u,%u), warp %d: lanes wait at __syncthreads while others wait at a warp barrier",
                             blk->bid.x, blk->bid.y, blk->bid.z, w);
                    failure = msg;
                    return false;
                }
                for (int i = lo; i < hi; i++) if (fibers[i].state == AT_WARP) fibers[i].state = RUNNABLE;
            }
        }
        bool waiting = false;
        for (Fiber& f : fibers) if (f.state == AT_BLOCK) { f.state = RUNNABLE; waiting = true; }
        if (!waiting) return true;
    }
}
}  // namespace

// A device-side error (as a GPU would raise it): the launch fails with the first one.
const char* faulted;
void fault(const char* what) { if (!faulted) faulted = what; }

void wait(int state) {
    cur->state = state;
    glemu_switch(&cur->sp, scheduler_sp);
}
}  // namespace glemu

// ---- kernels by name ----------------------------------------------------------------------------------
namespace {
struct Entry {
    void* fn;
    void (*call)(void* fn, void* const* params);
    std::vector<size_t> sizes;   // parameter sizes, to copy a captured launch's arguments
};

template <class... A, size_t... I>
void call_with(void (*f)(A...), void* const* p, std::index_sequence<I...>) {
    f(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(p[I])...);
}

template <class... A>
Entry entry(void (*f)(A...)) {
    Entry e;
    e.fn = (void*) f;
    e.call = [](void* fn, void* const* p) { call_with((void (*)(A...)) fn, p, std::index_sequence_for<A...>{}); };
    e.sizes = {sizeof(std::remove_cv_t<std::remove_reference_t<A>>)...};
    return e;
}

const std::map<std::string, Entry>& registry() {
    static const std::map<std::string, Entry>& r = *new std::map<std::string, Entry>{
#define GL_ENTRY(name) {#name, entry(&name)},
#include "entries.inc"
#undef GL_ENTRY
    };
    return r;
}

struct Launch {
    const Entry* e;
    unsigned grid[3], block[3];
    std::vector<std::vector<unsigned char>> args;
};

struct Op {   // one captured stream operation
    enum { LAUNCH, COPY, SET32 } kind;
    Launch launch;
    CUdeviceptr dst, src;
    size_t bytes, count;
    unsigned int value;
};

struct Graph { std::vector<Op> ops; };
struct Stream { Graph* capture = nullptr; };
struct Event { double ms = 0; };

std::recursive_mutex lock_;
CUcontext const CTX = (CUcontext) (uintptr_t) 0xC7C70000u;
CUmodule const MODULE = (CUmodule) (uintptr_t) 0x30D00000u;
CUcontext current;
Stream default_stream;
long launches;

double now_ms() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

Stream* stream_of(CUstream s) { return s ? (Stream*) s : &default_stream; }

CUresult run(const Launch& l, void* const* params) {
    unsigned threads = l.block[0] * l.block[1] * l.block[2];
    if (threads == 0 || threads > 1024 || l.grid[0] == 0 || l.grid[1] == 0 || l.grid[2] == 0) return CUDA_ERROR_INVALID_VALUE;
    glemu::Block b;
    b.bdim = {l.block[0], l.block[1], l.block[2]};
    b.gdim = {l.grid[0], l.grid[1], l.grid[2]};
    glemu::blk = &b;
    glemu::body = l.e->call;
    glemu::body_fn = l.e->fn;
    glemu::body_params = params;
    for (unsigned z = 0; z < l.grid[2]; z++)
        for (unsigned y = 0; y < l.grid[1]; y++)
            for (unsigned x = 0; x < l.grid[0]; x++) {
                b.bid = {x, y, z};
                // Alternate the order threads run in, between neighbouring blocks and between
                // launches (a one-block kernel too), so a missing barrier shows whichever way it races.
                if (!glemu::run_block((int) threads, ((x + y + z + launches) & 1) != 0)) {
                    fprintf(stderr, "cuda_on_cpu: launch failed: %s\n", glemu::failure.c_str());
                    return CUDA_ERROR_ILLEGAL_INSTRUCTION;
                }
                if (glemu::faulted) {
                    fprintf(stderr, "cuda_on_cpu: launch failed in block (%u,%u,%u): %s\n", x, y, z, glemu::faulted);
                    glemu::faulted = nullptr;
                    return CUDA_ERROR_MISALIGNED_ADDRESS;
                }
            }
    launches++;
    return CUDA_SUCCESS;
}

CUresult run(const Launch& l) {
    std::vector<void*> p;
    for (auto& a : l.args) p.push_back((void*) a.data());
    return run(l, p.data());
}

CUresult play(const Op& op) {
    switch (op.kind) {
        case Op::LAUNCH: return run(op.launch);
        case Op::COPY: memmove((void*) op.dst, (const void*) op.src, op.bytes); return CUDA_SUCCESS;
        case Op::SET32: for (size_t i = 0; i < op.count; i++) ((unsigned int*) op.dst)[i] = op.value; return CUDA_SUCCESS;
    }
    return CUDA_ERROR_UNKNOWN;
}

CUresult issue(CUstream s, const Op& op) {
    Stream* st = stream_of(s);
    if (st->capture) { st->capture->ops.push_back(op); return CUDA_SUCCESS; }
    return play(op);
}
}  // namespace

#define LOCKED std::lock_guard<std::recursive_mutex> guard_(lock_)
#define NEED_CTX() do { if (current != CTX) return CUDA_ERROR_INVALID_CONTEXT; } while (0)

// ---- the driver API -------------------------------------------------------------------------------------------------
extern "C" {
long cuda_on_cpu_launches(void) { return launches; }
}

CUresult CUDAAPI cuInit(unsigned int flags) { return flags == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE; }
CUresult CUDAAPI cuDriverGetVersion(int* v) { *v = 13000; return CUDA_SUCCESS; }
CUresult CUDAAPI cuDeviceGetCount(int* n) { *n = 1; return CUDA_SUCCESS; }
CUresult CUDAAPI cuDeviceGet(CUdevice* d, int ordinal) { if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE; *d = 0; return CUDA_SUCCESS; }

CUresult CUDAAPI cuDeviceGetName(char* name, int len, CUdevice dev) {
    if (dev != 0 || len < 32) return CUDA_ERROR_INVALID_VALUE;
    snprintf(name, (size_t) len, "CUDA kernels on the CPU");
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetAttribute(int* v, CUdevice_attribute attr, CUdevice dev) {
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    switch (attr) {
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *v = 9; break;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *v = 0; break;
        case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *v = 132; break;
        case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *v = 1024; break;
        case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *v = 32; break;
        default: *v = 0;
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceTotalMem(size_t* bytes, CUdevice dev) {
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    *bytes = (size_t) 16 << 30;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext* ctx, CUdevice dev) {
    if (dev != 0) return CUDA_ERROR_INVALID_DEVICE;
    *ctx = CTX;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxSetCurrent(CUcontext ctx) {
    if (ctx != CTX) return CUDA_ERROR_INVALID_CONTEXT;
    current = ctx;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemGetInfo(size_t* free_bytes, size_t* total) {
    NEED_CTX();
    *free_bytes = (size_t) 15 << 30;
    *total = (size_t) 16 << 30;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleLoadData(CUmodule* module, const void*) { NEED_CTX(); *module = MODULE; return CUDA_SUCCESS; }

CUresult CUDAAPI cuModuleGetFunction(CUfunction* f, CUmodule module, const char* name) {
    NEED_CTX();
    if (module != MODULE) return CUDA_ERROR_INVALID_HANDLE;
    auto it = registry().find(name);
    if (it == registry().end()) return CUDA_ERROR_NOT_FOUND;
    *f = (CUfunction) &it->second;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemAlloc(CUdeviceptr* p, size_t bytes) {
    NEED_CTX();
    if (bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    if (bytes > ((size_t) 1 << 34)) return CUDA_ERROR_OUT_OF_MEMORY;
    void* m = aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (!m) return CUDA_ERROR_OUT_OF_MEMORY;
    memset(m, 0xA5, bytes);   // never zeros: reads of unwritten memory show
    *p = (CUdeviceptr) (uintptr_t) m;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemFree(CUdeviceptr p) { NEED_CTX(); free((void*) (uintptr_t) p); return CUDA_SUCCESS; }

CUresult CUDAAPI cuMemcpyHtoDAsync(CUdeviceptr dst, const void* src, size_t bytes, CUstream s) {
    LOCKED;
    NEED_CTX();
    if (stream_of(s)->capture) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;   // pageable host memory
    memcpy((void*) (uintptr_t) dst, src, bytes);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyDtoHAsync(void* dst, CUdeviceptr src, size_t bytes, CUstream s) {
    LOCKED;
    NEED_CTX();
    if (stream_of(s)->capture) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    memcpy(dst, (const void*) (uintptr_t) src, bytes);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyDtoDAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream s) {
    LOCKED;
    NEED_CTX();
    Op op{};
    op.kind = Op::COPY;
    op.dst = dst;
    op.src = src;
    op.bytes = bytes;
    return issue(s, op);
}

CUresult CUDAAPI cuMemsetD32Async(CUdeviceptr dst, unsigned int value, size_t count, CUstream s) {
    LOCKED;
    NEED_CTX();
    Op op{};
    op.kind = Op::SET32;
    op.dst = dst;
    op.value = value;
    op.count = count;
    return issue(s, op);
}

CUresult CUDAAPI cuLaunchKernel(CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by,
                                unsigned int bz, unsigned int shared, CUstream s, void** params, void** extra) {
    LOCKED;
    NEED_CTX();
    if (f == nullptr) return CUDA_ERROR_INVALID_HANDLE;
    if (extra != nullptr || shared != 0) return CUDA_ERROR_INVALID_VALUE;   // the kernels use static shared memory only
    const Entry* e = (const Entry*) f;
    if (params == nullptr && !e->sizes.empty()) return CUDA_ERROR_INVALID_VALUE;
    Op op{};
    op.kind = Op::LAUNCH;
    op.launch.e = e;
    op.launch.grid[0] = gx; op.launch.grid[1] = gy; op.launch.grid[2] = gz;
    op.launch.block[0] = bx; op.launch.block[1] = by; op.launch.block[2] = bz;
    Stream* st = stream_of(s);
    if (!st->capture) return run(op.launch, params);
    for (size_t i = 0; i < e->sizes.size(); i++) {
        const unsigned char* a = (const unsigned char*) params[i];
        op.launch.args.emplace_back(a, a + e->sizes[i]);
    }
    st->capture->ops.push_back(std::move(op));
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamCreate(CUstream* s, unsigned int) { NEED_CTX(); *s = (CUstream) new Stream(); return CUDA_SUCCESS; }
CUresult CUDAAPI cuStreamDestroy(CUstream s) { LOCKED; delete (Stream*) s; return CUDA_SUCCESS; }

CUresult CUDAAPI cuStreamSynchronize(CUstream s) {
    NEED_CTX();
    return stream_of(s)->capture ? CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED : CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamBeginCapture(CUstream s, CUstreamCaptureMode) {
    LOCKED;
    NEED_CTX();
    if (s == nullptr) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    Stream* st = stream_of(s);
    if (st->capture) return CUDA_ERROR_ILLEGAL_STATE;
    st->capture = new Graph();
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamEndCapture(CUstream s, CUgraph* g) {
    LOCKED;
    Stream* st = stream_of(s);
    if (!st->capture) return CUDA_ERROR_ILLEGAL_STATE;
    *g = (CUgraph) st->capture;
    st->capture = nullptr;
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphInstantiate(CUgraphExec* e, CUgraph g, unsigned long long flags) {
    LOCKED;
    if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
    *e = (CUgraphExec) new Graph(*(Graph*) g);
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphLaunch(CUgraphExec e, CUstream s) {
    LOCKED;
    NEED_CTX();
    if (stream_of(s)->capture) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    for (const Op& op : ((Graph*) e)->ops) {
        CUresult r = play(op);
        if (r != CUDA_SUCCESS) return r;
    }
    return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphExecDestroy(CUgraphExec e) { LOCKED; delete (Graph*) e; return CUDA_SUCCESS; }
CUresult CUDAAPI cuGraphDestroy(CUgraph g) { LOCKED; delete (Graph*) g; return CUDA_SUCCESS; }

CUresult CUDAAPI cuEventCreate(CUevent* e, unsigned int) { NEED_CTX(); *e = (CUevent) new Event(); return CUDA_SUCCESS; }
CUresult CUDAAPI cuEventRecord(CUevent e, CUstream) { ((Event*) e)->ms = now_ms(); return CUDA_SUCCESS; }
CUresult CUDAAPI cuEventSynchronize(CUevent) { return CUDA_SUCCESS; }
CUresult CUDAAPI cuEventElapsedTime_v2(float* ms, CUevent a, CUevent b) { *ms = (float) (((Event*) b)->ms - ((Event*) a)->ms); return CUDA_SUCCESS; }
// The unversioned name JCuda 12.6's libJCudaDriver imports; the driver exports both.
#undef cuEventElapsedTime
extern "C" CUresult CUDAAPI cuEventElapsedTime(float* ms, CUevent a, CUevent b) { return cuEventElapsedTime_v2(ms, a, b); }
CUresult CUDAAPI cuEventDestroy(CUevent e) { delete (Event*) e; return CUDA_SUCCESS; }

#include "../cuda_error_names.h"
