// The subset of CUDA's warp matrix API (nvcuda::wmma) the kernels use, for device.hpp: every
// lane's fragment holds the whole tile, row-major, so loads, stores and products need no
// exchange between lanes and every lane stores the same values.
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>

namespace glemu { void fault(const char* what); }

namespace nvcuda {
namespace wmma {
// As on the GPU: a tile's pointer 256-bit aligned, its leading dimension a multiple of 16 bytes.
static inline void check_tile(const float* p, unsigned int ldm) {
    if (((uintptr_t) p & 31) != 0) glemu::fault("wmma tile pointer not 32-byte aligned");
    if (ldm % 4 != 0) glemu::fault("wmma leading dimension not a multiple of 4 floats");
}

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
namespace precision { struct tf32 {}; }
enum layout_t { mem_row_major, mem_col_major };

template <class Use, int M, int N, int K> struct tile;
template <int M, int N, int K> struct tile<matrix_a, M, N, K> { static constexpr int rows = M, cols = K; };
template <int M, int N, int K> struct tile<matrix_b, M, N, K> { static constexpr int rows = K, cols = N; };
template <int M, int N, int K> struct tile<accumulator, M, N, K> { static constexpr int rows = M, cols = N; };

template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment {
    static constexpr int rows = tile<Use, M, N, K>::rows, cols = tile<Use, M, N, K>::cols;
    static constexpr int num_elements = rows * cols;
    float x[rows * cols];
    float at(int r, int c) const { return x[r * cols + c]; }
};

template <class Use, int M, int N, int K, class T, class Layout>
static inline void load_matrix_sync(fragment<Use, M, N, K, T, Layout>& f, const float* p, unsigned int ldm) {
    constexpr bool colMajor = __is_same(Layout, col_major);
    check_tile(p, ldm);
    for (int r = 0; r < f.rows; r++)
        for (int c = 0; c < f.cols; c++) f.x[r * f.cols + c] = colMajor ? p[r + (long) c * ldm] : p[(long) r * ldm + c];
}

template <int M, int N, int K, class T>
static inline void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, T>& f, unsigned int ldm, layout_t l) {
    check_tile(p, ldm);
    for (int r = 0; r < M; r++)
        for (int c = 0; c < N; c++) {
            if (l == mem_row_major) p[(long) r * ldm + c] = f.at(r, c);
            else p[r + (long) c * ldm] = f.at(r, c);
        }
}

template <class Use, int M, int N, int K, class T, class Layout>
static inline void fill_fragment(fragment<Use, M, N, K, T, Layout>& f, float v) {
    for (int i = 0; i < f.num_elements; i++) f.x[i] = v;
}

// d = a·b + c in fp32 (the operands were rounded to tf32 by the caller, as on the GPU).
template <int M, int N, int K, class TA, class LA, class TB, class LB, class TC>
static inline void mma_sync(fragment<accumulator, M, N, K, TC>& d, const fragment<matrix_a, M, N, K, TA, LA>& a,
                            const fragment<matrix_b, M, N, K, TB, LB>& b, const fragment<accumulator, M, N, K, TC>& c) {
    float out[M * N];
    for (int r = 0; r < M; r++)
        for (int col = 0; col < N; col++) {
            float s = c.at(r, col);
            for (int k = 0; k < K; k++) s = fmaf(a.at(r, k), b.at(k, col), s);
            out[r * N + col] = s;
        }
    memcpy(d.x, out, sizeof out);
}

// cvt.rna.tf32.f32: 10 mantissa bits, rounded to nearest, ties away from zero.
static inline float __float_to_tf32(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7f800000u) != 0x7f800000u) u = (u + 0x1000u) & 0xffffe000u;
    memcpy(&f, &u, 4);
    return f;
}
}  // namespace wmma
}  // namespace nvcuda
