// Fused scaled dot-product attention over dense q, k, v, out [B, T, D] (B folds models, batch
// and heads), optional causal mask; lse [B, T] keeps each row's log-sum-exp of the scaled
// scores for the backward.
//
// One warp per (b, row): lane l holds dimensions l, l + 32, … (DCH = ceil(D / 32) of them), so
// every q/k/v row is one coalesced read and a dot product is a 5-step butterfly. The forward
// streams the keys with an online softmax; the backward warp for (b, r) computes gq[r] from the
// keys j it attends to, and gk[r], gv[r] from the queries i that attend to r, recomputing the
// probabilities from lse: no atomics, no shared memory, deterministic. At the grokking shapes
// (T = 3..4, D = 32, B ≈ 1e5..1e6) a warp reads each operand row once per use, from L1.
//
// Launch attention_{fwd,bwd}_f32_d{32,64,128,256}: 128 threads (4 warps) per block, grid
// ceil(B·T / 4); the suffix is 32·DCH ≥ D. attention_last_{fwd,bwd}: the same, grid ceil(N·H / 4).
#include "common.cuh"

template <int DCH>
static __device__ __forceinline__ void attn_load(float (&r)[DCH], const float* p, int d, int lane) {
    #pragma unroll
    for (int c = 0; c < DCH; c++) {
        int e = lane + 32 * c;
        r[c] = e < d ? p[e] : 0.f;
    }
}

template <int DCH>
static __device__ __forceinline__ float attn_dot(const float (&a)[DCH], const float* p, int d, int lane) {
    float s = 0.f;
    #pragma unroll
    for (int c = 0; c < DCH; c++) {
        int e = lane + 32 * c;
        if (e < d) s = fmaf(a[c], p[e], s);
    }
    return gl_warp_sum(s);
}

template <int DCH>
static __device__ __forceinline__ float attn_dot2(const float (&a)[DCH], const float (&b)[DCH]) {
    float s = 0.f;
    #pragma unroll
    for (int c = 0; c < DCH; c++) s = fmaf(a[c], b[c], s);
    return gl_warp_sum(s);
}

template <int DCH>
static __device__ __forceinline__ void attn_fwd(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
                                                float* __restrict__ out, float* __restrict__ lse, int bsz, int t, int d,
                                                int causal, float scale) {
    int wid = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (wid >= bsz * t) return;
    int b = wid / t, i = wid - b * t;
    long long base = (long long) b * t * d;
    float qv[DCH], acc[DCH];
    attn_load<DCH>(qv, q + base + (long long) i * d, d, lane);
    #pragma unroll
    for (int c = 0; c < DCH; c++) acc[c] = 0.f;
    float m = -INFINITY, l = 0.f;
    int last = causal ? i : t - 1;
    for (int j = 0; j <= last; j++) {
        float s = attn_dot<DCH>(qv, k + base + (long long) j * d, d, lane) * scale;
        float mn = fmaxf(m, s);
        float corr = expf(m - mn), p = expf(s - mn);
        l = l * corr + p;
        const float* vr = v + base + (long long) j * d;
        #pragma unroll
        for (int c = 0; c < DCH; c++) {
            int e = lane + 32 * c;
            float vv = e < d ? vr[e] : 0.f;
            acc[c] = fmaf(p, vv, acc[c] * corr);
        }
        m = mn;
    }
    float inv = 1.f / l;
    float* orow = out + base + (long long) i * d;
    #pragma unroll
    for (int c = 0; c < DCH; c++) {
        int e = lane + 32 * c;
        if (e < d) orow[e] = acc[c] * inv;
    }
    if (lane == 0) lse[(long long) b * t + i] = m + logf(l);
}

template <int DCH>
static __device__ __forceinline__ void attn_bwd(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
                                                const float* __restrict__ out, const float* __restrict__ lse,
                                                const float* __restrict__ gout, float* __restrict__ gq, float* __restrict__ gk,
                                                float* __restrict__ gv, int bsz, int t, int d, int causal, float scale) {
    int wid = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (wid >= bsz * t) return;
    int b = wid / t, r = wid - b * t;
    long long base = (long long) b * t * d;
    const float* lrow = lse + (long long) b * t;

    // gq[r] = scale · Σ_j p_rj (dp_rj − dd_r) k_j over the keys row r attends to.
    float qr[DCH], gor[DCH], acc[DCH];
    attn_load<DCH>(qr, q + base + (long long) r * d, d, lane);
    attn_load<DCH>(gor, gout + base + (long long) r * d, d, lane);
    float ddr = attn_dot<DCH>(gor, out + base + (long long) r * d, d, lane);
    float lr = lrow[r];
    #pragma unroll
    for (int c = 0; c < DCH; c++) acc[c] = 0.f;
    int last = causal ? r : t - 1;
    for (int j = 0; j <= last; j++) {
        const float* kr = k + base + (long long) j * d;
        float p = expf(attn_dot<DCH>(qr, kr, d, lane) * scale - lr);
        float dp = attn_dot<DCH>(gor, v + base + (long long) j * d, d, lane);
        float ds = p * (dp - ddr) * scale;
        #pragma unroll
        for (int c = 0; c < DCH; c++) {
            int e = lane + 32 * c;
            if (e < d) acc[c] = fmaf(ds, kr[e], acc[c]);
        }
    }
    #pragma unroll
    for (int c = 0; c < DCH; c++) {
        int e = lane + 32 * c;
        if (e < d) gq[base + (long long) r * d + e] = acc[c];
    }

    // gk[r] = scale · Σ_i p_ir (dp_ir − dd_i) q_i and gv[r] = Σ_i p_ir gout_i over the queries
    // i that attend to key r.
    float kr[DCH], vr[DCH], ak[DCH], av[DCH];
    attn_load<DCH>(kr, k + base + (long long) r * d, d, lane);
    attn_load<DCH>(vr, v + base + (long long) r * d, d, lane);
    #pragma unroll
    for (int c = 0; c < DCH; c++) { ak[c] = 0.f; av[c] = 0.f; }
    for (int i = causal ? r : 0; i < t; i++) {
        float qi[DCH], goi[DCH];
        attn_load<DCH>(qi, q + base + (long long) i * d, d, lane);
        attn_load<DCH>(goi, gout + base + (long long) i * d, d, lane);
        float p = expf(attn_dot2<DCH>(qi, kr) * scale - lrow[i]);
        float dp = attn_dot2<DCH>(goi, vr);
        float dd = attn_dot<DCH>(goi, out + base + (long long) i * d, d, lane);
        float ds = p * (dp - dd) * scale;
        #pragma unroll
        for (int c = 0; c < DCH; c++) {
            ak[c] = fmaf(ds, qi[c], ak[c]);
            av[c] = fmaf(p, goi[c], av[c]);
        }
    }
    #pragma unroll
    for (int c = 0; c < DCH; c++) {
        int e = lane + 32 * c;
        if (e < d) {
            gk[base + (long long) r * d + e] = ak[c];
            gv[base + (long long) r * d + e] = av[c];
        }
    }
}

// Attention of one query per row over T keys (the read-out position of a causal model, whose
// last query sees every key): q, out [N, H, D]; k, v [N, T, H, D]; p [N, H, T] keeps the softmax
// for the backward. One warp per (n, h), lanes over D as above; keys of one head are H·D apart.
// The forward takes the row's max and sum in one pass over the keys, then writes p and out in a
// second (T is a handful); the backward owns gk and gv of its (n, h), so no atomics.
template <int DCH>
static __device__ __forceinline__ void attn_last_fwd(const float* __restrict__ q, const float* __restrict__ k,
                                                     const float* __restrict__ v, float* __restrict__ out, float* __restrict__ p,
                                                     int n, int t, int h, int d, float scale) {
    int wid = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (wid >= n * h) return;
    int b = wid / h, hh = wid - b * h;
    long long row = (long long) wid * d, keys = ((long long) b * t * h + hh) * d, step = (long long) h * d;
    float qv[DCH], acc[DCH];
    attn_load<DCH>(qv, q + row, d, lane);
    float m = -INFINITY, l = 0.f;
    for (int j = 0; j < t; j++) {
        float s = attn_dot<DCH>(qv, k + keys + j * step, d, lane) * scale;
        float mn = fmaxf(m, s);
        l = l * expf(m - mn) + expf(s - mn);
        m = mn;
    }
    float inv = 1.f / l;
    #pragma unroll
    for (int c = 0; c < DCH; c++) acc[c] = 0.f;
    for (int j = 0; j < t; j++) {
        float pj = expf(attn_dot<DCH>(qv, k + keys + j * step, d, lane) * scale - m) * inv;
        if (lane == 0) p[(long long) wid * t + j] = pj;
        const float* vr = v + keys + j * step;
        #pragma unroll
        for (int c = 0; c < DCH; c++) {
            int e = lane + 32 * c;
            acc[c] = fmaf(pj, e < d ? vr[e] : 0.f, acc[c]);
        }
    }
    #pragma unroll
    for (int c = 0; c < DCH; c++) {
        int e = lane + 32 * c;
        if (e < d) out[row + e] = acc[c];
    }
}

template <int DCH>
static __device__ __forceinline__ void attn_last_bwd(const float* __restrict__ q, const float* __restrict__ k,
                                                     const float* __restrict__ v, const float* __restrict__ p,
                                                     const float* __restrict__ gout, float* __restrict__ gq, float* __restrict__ gk,
                                                     float* __restrict__ gv, int n, int t, int h, int d, float scale) {
    int wid = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (wid >= n * h) return;
    int b = wid / h, hh = wid - b * h;
    long long row = (long long) wid * d, keys = ((long long) b * t * h + hh) * d, step = (long long) h * d;
    const float* prow = p + (long long) wid * t;
    float qv[DCH], go[DCH], aq[DCH];
    attn_load<DCH>(qv, q + row, d, lane);
    attn_load<DCH>(go, gout + row, d, lane);
    float dd = 0.f;   // Σ_j p_j (gout · v_j)
    for (int j = 0; j < t; j++) dd = fmaf(prow[j], attn_dot<DCH>(go, v + keys + j * step, d, lane), dd);
    #pragma unroll
    for (int c = 0; c < DCH; c++) aq[c] = 0.f;
    for (int j = 0; j < t; j++) {
        float pj = prow[j];
        float ds = pj * (attn_dot<DCH>(go, v + keys + j * step, d, lane) - dd) * scale;
        long long kr = keys + j * step;
        #pragma unroll
        for (int c = 0; c < DCH; c++) {
            int e = lane + 32 * c;
            if (e < d) {
                gv[kr + e] = pj * go[c];
                gk[kr + e] = ds * qv[c];
                aq[c] = fmaf(ds, k[kr + e], aq[c]);
            }
        }
    }
    #pragma unroll
    for (int c = 0; c < DCH; c++) {
        int e = lane + 32 * c;
        if (e < d) gq[row + e] = aq[c];
    }
}

#define GL_ATTN(DCH, D) \
    extern "C" __global__ void __launch_bounds__(128) attention_fwd_f32_d##D(const float* q, const float* k, const float* v, \
            float* out, float* lse, int bsz, int t, int d, int causal, float scale) { \
        attn_fwd<DCH>(q, k, v, out, lse, bsz, t, d, causal, scale); \
    } \
    extern "C" __global__ void __launch_bounds__(128, 4) attention_bwd_f32_d##D(const float* q, const float* k, const float* v, \
            const float* out, const float* lse, const float* gout, float* gq, float* gk, float* gv, int bsz, int t, int d, \
            int causal, float scale) { \
        attn_bwd<DCH>(q, k, v, out, lse, gout, gq, gk, gv, bsz, t, d, causal, scale); \
    } \
    extern "C" __global__ void __launch_bounds__(128) attention_last_fwd_f32_d##D(const float* q, const float* k, const float* v, \
            float* out, float* p, int n, int t, int h, int d, float scale) { \
        attn_last_fwd<DCH>(q, k, v, out, p, n, t, h, d, scale); \
    } \
    extern "C" __global__ void __launch_bounds__(128) attention_last_bwd_f32_d##D(const float* q, const float* k, const float* v, \
            const float* p, const float* gout, float* gq, float* gk, float* gv, int n, int t, int h, int d, float scale) { \
        attn_last_bwd<DCH>(q, k, v, p, gout, gq, gk, gv, n, t, h, d, scale); \
    }

GL_ATTN(1, 32)
GL_ATTN(2, 64)
GL_ATTN(4, 128)
GL_ATTN(8, 256)
