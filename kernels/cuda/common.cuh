// Shared definitions of the groklab CUDA kernels. Every .cu in this directory is one op; the
// build compiles them as one translation unit (see native/cuda/build.sh), so helpers here are
// static inline and every extern "C" entry point has a unique name.
#pragma once
#include <stdint.h>

#define GL_MAXR 8

// Error codes a kernel reports through the error word (int[4]: code, a, b, c). The host reads
// the word at its next synchronization and throws with the op's message.
#define GL_ERR_GATHER_INDEX 1
#define GL_ERR_SCATTER_INDEX 2
#define GL_ERR_CE_TARGET 3

// Element strides of up to three inputs over one logical shape (the output's, dense), after
// the host has merged every pair of adjacent axes that is contiguous in all operands.
struct EwLayout {
    int rank;
    int size[GL_MAXR];
    int s0[GL_MAXR];
    int s1[GL_MAXR];
    int s2[GL_MAXR];
};

// Source and destination strides of a copy.
struct CopyLayout {
    int rank;
    int size[GL_MAXR];
    int ss[GL_MAXR];
    int ds[GL_MAXR];
};

// Element offset of row-major flat index i in a strided view.
static __device__ __forceinline__ long long gl_offset(int i, int rank, const int* size, const int* stride) {
    long long off = 0;
    unsigned int r = (unsigned int) i;
    #pragma unroll
    for (int d = GL_MAXR - 1; d >= 0; d--) {
        if (d < rank) {
            unsigned int sz = (unsigned int) size[d];
            unsigned int q = r / sz;
            off += (long long) (r - q * sz) * stride[d];
            r = q;
        }
    }
    return off;
}

static __device__ __forceinline__ void gl_report(int* err, int code, int a, int b, int c) {
    if (atomicCAS(err, 0, code) == 0) {
        err[1] = a;
        err[2] = b;
        err[3] = c;
    }
}

// Butterfly reductions: every lane ends with the same value (a + b == b + a exactly).
static __device__ __forceinline__ float gl_warp_sum(float v) {
    #pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

static __device__ __forceinline__ float gl_warp_max(float v) {
    #pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Inline PTX lives only here, each helper with a twin in the CPU emulation of these kernels
// (src/test/native/cuda_on_cpu), which defines GL_ON_CPU.
#ifndef GL_ON_CPU
// 4-byte asynchronous global → shared copy (sm_80+); pred = false writes a zero instead of
// reading (src-size 0), which pads the edge tiles without branches around the copy.
static __device__ __forceinline__ void gl_cp_async4(float* smem, const float* gmem, bool pred) {
    unsigned int s = (unsigned int) __cvta_generic_to_shared(smem);
    int bytes = pred ? 4 : 0;
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" :: "r"(s), "l"(gmem), "r"(bytes) : "memory");
}

static __device__ __forceinline__ void gl_cp_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }

template <int N>
static __device__ __forceinline__ void gl_cp_wait() { asm volatile("cp.async.wait_group %0;\n" :: "n"(N) : "memory"); }
#endif

// Grid-stride index helpers.
static __device__ __forceinline__ int gl_tid() { return blockIdx.x * blockDim.x + threadIdx.x; }
static __device__ __forceinline__ int gl_nthreads() { return gridDim.x * blockDim.x; }

// One parameter of a fused optimizer step (adamw.cu, sgd.cu): its tensors, where its elements
// start in the step's element order, and its elements per model. 56 bytes, as CudaBackend lays
// out the table.
struct GlOptSlot {
    float* p;
    const float* g;
    float* s0;             // Adam's m; SGD's momentum buffer or null
    float* s1;             // Adam's v
    const float* target;   // decay target, or null (decay toward zero)
    long long start;
    int per;
    int unused;
};

// The slot that holds element e: the last whose start is <= e (starts ascend from 0).
static __device__ __forceinline__ int gl_slot_of(const GlOptSlot* slots, int count, long long e) {
    int lo = 0, hi = count - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) >> 1;
        if (slots[mid].start <= e) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}

// Philox4x32-10, identical to dev.groklab.rng.Philox: key (k0, k1) = (seed, stream), counter
// (c0, c1, c2, c3); the key is bumped after every round.
struct GlPhilox { uint32_t x[4]; };

static __device__ __forceinline__ GlPhilox gl_philox(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3,
                                                     uint32_t k0, uint32_t k1) {
    const uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
    #pragma unroll
    for (int r = 0; r < 10; r++) {
        uint32_t hi0 = __umulhi(M0, c0), lo0 = M0 * c0;
        uint32_t hi1 = __umulhi(M1, c2), lo1 = M1 * c2;
        uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += W0;
        k1 += W1;
    }
    GlPhilox o;
    o.x[0] = c0; o.x[1] = c1; o.x[2] = c2; o.x[3] = c3;
    return o;
}

// Uniform in [0, 1) from the top 24 bits (exact in float32), as Philox.uniform.
static __device__ __forceinline__ float gl_uniform(uint32_t bits) { return (float) (bits >> 8) * 0x1.0p-24f; }

// Uniform in (0, 1], as Philox.uniformOpenZero.
static __device__ __forceinline__ float gl_uniform_open_zero(uint32_t bits) { return (float) ((bits >> 8) + 1u) * 0x1.0p-24f; }
