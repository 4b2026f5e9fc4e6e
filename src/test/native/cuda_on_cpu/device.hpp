// The CUDA device language as plain C++ on one CPU core, so that kernels/cuda/*.cu compile with
// g++ and run here (see driver.cpp). Every CUDA thread is a fiber with its own stack; a block's
// fibers run one after another until each reaches a barrier (__syncthreads for the block,
// __syncwarp and the warp intrinsics for its warp), then all of them continue. __shared__
// variables are function statics: one copy, seen by every fiber of the block that is running.
// Fragments of the tensor-core API hold the whole tile in every lane (include/mma.h); asynchronous
// copies land as late as their waits allow.
//
// Included before the kernels, after every system header; defines GL_ON_CPU so common.cuh leaves
// out its inline PTX, whose twins are at the end of this file.
#pragma once
#define GL_ON_CPU 1
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <deque>
#include <type_traits>
#include <vector>

// ---- qualifiers ---------------------------------------------------------------------------------
#ifndef __global__
#define __global__
#endif
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __shared__ static

namespace glemu {
struct Dim3 { unsigned int x, y, z; };

// A thread's asynchronous copies (cp.async): issued into `open`, committed as groups, landed
// only when a wait requires it or the thread ends — as late as a GPU may land them.
struct AsyncCopy { float* dst; const float* src; bool pred; };
struct AsyncCopies {
    std::vector<AsyncCopy> open;
    std::deque<std::vector<AsyncCopy>> committed;
    static void land(const std::vector<AsyncCopy>& g) { for (const AsyncCopy& c : g) *c.dst = c.pred ? *c.src : 0.f; }
    void wait(size_t pending) {
        while (committed.size() > pending) { land(committed.front()); committed.pop_front(); }
    }
    void finish() { wait(0); land(open); open.clear(); }
};

struct Fiber {
    void* sp;          // saved stack pointer while switched out
    Dim3 tid;
    int warp, lane;
    int state;         // one of the constants below
    AsyncCopies async;
};
enum { RUNNABLE = 0, AT_BLOCK = 1, AT_WARP = 2, DONE = 3 };

struct Block {
    Dim3 bid, bdim, gdim;
    uint64_t slots[32][32];   // warp exchange: [warp][lane]
};

extern Fiber* cur;
extern Block* blk;
void wait(int state);     // switch back to the scheduler until the barrier releases this fiber
void fault(const char* what);   // a device-side error: the launch fails with it
}  // namespace glemu

#define threadIdx (glemu::cur->tid)
#define blockIdx (glemu::blk->bid)
#define blockDim (glemu::blk->bdim)
#define gridDim (glemu::blk->gdim)
#define warpSize 32

// The compiler must not keep shared (static) memory in registers across a barrier.
#define GLEMU_FENCE() __asm__ __volatile__("" ::: "memory")

static inline void __syncthreads() { GLEMU_FENCE(); glemu::wait(glemu::AT_BLOCK); GLEMU_FENCE(); }
static inline void __syncwarp(unsigned int = 0xffffffffu) { GLEMU_FENCE(); glemu::wait(glemu::AT_WARP); GLEMU_FENCE(); }

// ---- warp intrinsics: publish in the warp's slots, meet, read, meet again --------------------------
namespace glemu {
template <class T> static inline uint64_t bits(T v) { uint64_t b = 0; memcpy(&b, &v, sizeof v); return b; }
template <class T> static inline T value(uint64_t b) { T v; memcpy(&v, &b, sizeof v); return v; }

template <class T> static inline T exchange(T v, int src) {
    uint64_t* s = blk->slots[cur->warp];
    s[cur->lane] = bits(v);
    __syncwarp();
    // A source lane outside the block (a partial last warp) reads the caller's own value.
    int lanes = (int) (blk->bdim.x * blk->bdim.y * blk->bdim.z) - cur->warp * 32;
    T r = src >= 0 && src < 32 && src < lanes ? value<T>(s[src]) : v;
    __syncwarp();
    return r;
}
}  // namespace glemu

template <class T> static inline T __shfl_xor_sync(unsigned int, T v, int laneMask) { return glemu::exchange(v, glemu::cur->lane ^ laneMask); }
template <class T> static inline T __shfl_up_sync(unsigned int, T v, unsigned int delta) {
    int src = glemu::cur->lane - (int) delta;
    return glemu::exchange(v, src < 0 ? glemu::cur->lane : src);
}
template <class T> static inline T __shfl_down_sync(unsigned int, T v, unsigned int delta) {
    int src = glemu::cur->lane + (int) delta;
    return glemu::exchange(v, src > 31 ? glemu::cur->lane : src);
}
template <class T> static inline T __shfl_sync(unsigned int, T v, int src) { return glemu::exchange(v, src & 31); }

template <class T> static inline unsigned int __match_any_sync(unsigned int mask, T v) {
    uint64_t* s = glemu::blk->slots[glemu::cur->warp];
    s[glemu::cur->lane] = glemu::bits(v);
    __syncwarp();
    unsigned int peers = 0;
    for (int l = 0; l < 32; l++) if (((mask >> l) & 1u) && s[l] == glemu::bits(v)) peers |= 1u << l;
    __syncwarp();
    return peers;
}

// ---- atomics: one core runs every fiber, so plain read-modify-write is atomic ---------------------------
template <class T> static inline T atomicAdd(T* p, T v) { T old = *p; *p = old + v; return old; }
template <class T> static inline T atomicCAS(T* p, T compare, T v) { T old = *p; if (old == compare) *p = v; return old; }
template <class T> static inline T atomicMax(T* p, T v) { T old = *p; if (v > old) *p = v; return old; }

// ---- clock: the host's monotonic nanoseconds stand in for SM cycles -------------------------------------
static inline long long clock64() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long) t.tv_sec * 1000000000LL + t.tv_nsec;
}

// ---- arithmetic ---------------------------------------------------------------------------------------------------
template <class A, class B> static inline std::common_type_t<A, B> min(A a, B b) { return a < b ? a : b; }
template <class A, class B> static inline std::common_type_t<A, B> max(A a, B b) { return a < b ? b : a; }

// A product rounded on its own: the empty asm keeps the compiler from fusing it into an FMA.
static inline float __fmul_rn(float a, float b) { float r = a * b; __asm__("" : "+x"(r)); return r; }
static inline float __fadd_rn(float a, float b) { float r = a + b; __asm__("" : "+x"(r)); return r; }
static inline unsigned int __umulhi(unsigned int a, unsigned int b) { return (unsigned int) (((uint64_t) a * b) >> 32); }
static inline int __popc(unsigned int v) { return __builtin_popcount(v); }
static inline int __float_as_int(float f) { int i; memcpy(&i, &f, 4); return i; }
static inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
static inline unsigned int __float_as_uint(float f) { unsigned int i; memcpy(&i, &f, 4); return i; }
static inline float __uint_as_float(unsigned int i) { float f; memcpy(&f, &i, 4); return f; }

struct __attribute__((aligned(16))) float4 { float x, y, z, w; };
static inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }

// ---- twins of common.cuh's inline PTX --------------------------------------------------------------------------
static inline void gl_cp_async4(float* smem, const float* gmem, bool pred) { glemu::cur->async.open.push_back({smem, gmem, pred}); }
static inline void gl_cp_commit() {
    glemu::cur->async.committed.push_back(std::move(glemu::cur->async.open));
    glemu::cur->async.open.clear();
}
template <int N> static inline void gl_cp_wait() { glemu::cur->async.wait(N); }
