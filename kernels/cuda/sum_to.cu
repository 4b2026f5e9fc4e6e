// sumTo: out[o] (+)= Σ_r x[kept(o) + reduced(r)], the reverse of broadcasting. The host splits
// x's (merged) axes into kept axes (out's, row-major) and reduced axes. Deterministic: every
// sum runs in a fixed order that depends only on the shapes and the launch geometry.
//
// Launch sum_to_f32: block (32, 8); grid (ceil(nOut / per), splits) with per = 8 outputs (one
// warp each, lanes along r) when rowStyle (the innermost reduced axis is contiguous), else
// per = 32 outputs (lanes along o, the 8 rows of the block along r). Split s covers reduced
// indices [s·chunk, (s+1)·chunk); with splits > 1 the partial sums go to partial[s][o] and
// sum_to_finish (1-D, 256 threads) adds them up in order.
#include "common.cuh"

struct SumLayout {
    int krank;
    int ksize[GL_MAXR];
    int kstride[GL_MAXR];
    int rrank;
    int rsize[GL_MAXR];
    int rstride[GL_MAXR];
};

static __device__ __forceinline__ long long gl_red_offset(int r, const SumLayout& L) {
    return L.rrank == 1 ? (long long) r * L.rstride[0] : gl_offset(r, L.rrank, L.rsize, L.rstride);
}

extern "C" __global__ void __launch_bounds__(256) sum_to_f32(const float* __restrict__ x, float* out, float* partial, int nOut,
                                                             int nRed, SumLayout L, int splits, int chunk, int accumulate,
                                                             int rowStyle) {
    __shared__ float red[8][33];
    int s = blockIdx.y;
    int r0 = s * chunk, r1 = min(nRed, r0 + chunk);
    int lane = threadIdx.x, w = threadIdx.y;
    if (rowStyle) {
        int o = blockIdx.x * 8 + w;
        if (o >= nOut) return;
        long long base = gl_offset(o, L.krank, L.ksize, L.kstride);
        float acc = 0.f;
        for (int r = r0 + lane; r < r1; r += 32) acc += x[base + gl_red_offset(r, L)];
        acc = gl_warp_sum(acc);
        if (lane == 0) {
            if (splits == 1) out[o] = (accumulate ? out[o] : 0.f) + acc;
            else partial[(long long) s * nOut + o] = acc;
        }
    } else {
        int o = blockIdx.x * 32 + lane;
        float acc = 0.f;
        if (o < nOut) {
            long long base = gl_offset(o, L.krank, L.ksize, L.kstride);
            for (int r = r0 + w; r < r1; r += 8) acc += x[base + gl_red_offset(r, L)];
        }
        red[w][lane] = acc;
        __syncthreads();
        if (w == 0 && o < nOut) {
            float t = red[0][lane];
            #pragma unroll
            for (int j = 1; j < 8; j++) t += red[j][lane];
            if (splits == 1) out[o] = (accumulate ? out[o] : 0.f) + t;
            else partial[(long long) s * nOut + o] = t;
        }
    }
}

extern "C" __global__ void sum_to_finish(const float* __restrict__ partial, float* out, int nOut, int splits, int accumulate) {
    for (int o = gl_tid(); o < nOut; o += gl_nthreads()) {
        float t = 0.f;
        for (int s = 0; s < splits; s++) t += partial[(long long) s * nOut + o];
        out[o] = (accumulate ? out[o] : 0.f) + t;
    }
}
