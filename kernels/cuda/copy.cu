// copy: dst ← src for one logical shape, any strides on both sides (rank ≤ 8 after the host
// merges contiguous axes), converting between float32, float64 and int32 as the reference does
// (float → int truncates toward zero).
// Launch: 1-D grid-stride, 256 threads per block. dense = 1 when both sides are contiguous.
#include "common.cuh"

template <typename S, typename D>
static __device__ __forceinline__ D gl_convert(S v) { return (D) v; }

template <typename S, typename D>
static __device__ void copy_body(const S* __restrict__ src, D* __restrict__ dst, int n, const CopyLayout& L, int dense) {
    if (dense) {
        for (int i = gl_tid(); i < n; i += gl_nthreads()) dst[i] = gl_convert<S, D>(src[i]);
    } else {
        for (int i = gl_tid(); i < n; i += gl_nthreads()) {
            long long so = gl_offset(i, L.rank, L.size, L.ss);
            long long d = gl_offset(i, L.rank, L.size, L.ds);
            dst[d] = gl_convert<S, D>(src[so]);
        }
    }
}

#define GL_COPY(NAME, S, D) \
    extern "C" __global__ void NAME(const S* src, D* dst, int n, CopyLayout L, int dense) { copy_body<S, D>(src, dst, n, L, dense); }

GL_COPY(copy_f32_f32, float, float)
GL_COPY(copy_f32_f64, float, double)
GL_COPY(copy_f32_i32, float, int)
GL_COPY(copy_f64_f32, double, float)
GL_COPY(copy_f64_f64, double, double)
GL_COPY(copy_f64_i32, double, int)
GL_COPY(copy_i32_f32, int, float)
GL_COPY(copy_i32_f64, int, double)
GL_COPY(copy_i32_i32, int, int)
