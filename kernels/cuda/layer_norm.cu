// Layer norm over the last axis: x [R, C] dense, gamma/beta [G, C] with row r in group
// r / per (per = R / G, one group per model). Forward saves mean and rstd [R]; the backward
// writes gx and accumulates gGamma/gBeta deterministically (fixed-order partial sums).
//
// Launch layer_norm_f32 / layer_norm_backward_f32: 256 threads, one warp per row, grid
// ceil(R / 8). layer_norm_params_f32: block (32, 8), grid (ceil(C / 32), splits, G): the block
// sums rows [s·chunk, (s+1)·chunk) of group g for 32 columns; with splits == 1 it adds straight
// into gGamma/gBeta, else it writes partial[g][s][2][C] and layer_norm_params_finish (1-D,
// 256 threads over G·C) adds the splits in order.
#include "common.cuh"

extern "C" __global__ void layer_norm_f32(const float* x, const float* gamma, const float* beta, float eps, float* out,
                                          float* mean, float* rstd, int rows, int c, int per) {
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= rows) return;
    long long base = (long long) row * c, pb = (long long) (row / per) * c;
    float s = 0.f;
    for (int j = lane; j < c; j += 32) s += x[base + j];
    float mu = gl_warp_sum(s) / c;
    float v = 0.f;
    for (int j = lane; j < c; j += 32) {
        float d = x[base + j] - mu;
        v += d * d;
    }
    float var = gl_warp_sum(v) / c;
    float rs = 1.f / sqrtf(var + eps);
    if (lane == 0) {
        mean[row] = mu;
        rstd[row] = rs;
    }
    for (int j = lane; j < c; j += 32) out[base + j] = (x[base + j] - mu) * rs * gamma[pb + j] + beta[pb + j];
}

extern "C" __global__ void layer_norm_backward_f32(const float* x, const float* gamma, const float* mean, const float* rstd,
                                                   const float* gy, float* gx, int rows, int c, int per) {
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= rows) return;
    long long base = (long long) row * c, pb = (long long) (row / per) * c;
    float mu = mean[row], rs = rstd[row];
    float sd = 0.f, sdx = 0.f;
    for (int j = lane; j < c; j += 32) {
        float xh = (x[base + j] - mu) * rs;
        // Rounded on its own in both loops, so d − sd cancels exactly where it should (C = 1)
        // instead of leaving the rounding error of a product fused into the subtraction.
        float d = __fmul_rn(gy[base + j], gamma[pb + j]);
        sd += d;
        sdx += d * xh;
    }
    sd = gl_warp_sum(sd) / c;
    sdx = gl_warp_sum(sdx) / c;
    for (int j = lane; j < c; j += 32) {
        float xh = (x[base + j] - mu) * rs;
        float d = __fmul_rn(gy[base + j], gamma[pb + j]);
        gx[base + j] = rs * (d - sd - xh * sdx);
    }
}

extern "C" __global__ void __launch_bounds__(256) layer_norm_params_f32(const float* x, const float* mean, const float* rstd,
                                                                        const float* gy, float* gGamma, float* gBeta,
                                                                        float* partial, int c, int per, int splits, int chunk) {
    __shared__ float sg[8][33], sb[8][33];
    int lane = threadIdx.x, w = threadIdx.y;
    int col = blockIdx.x * 32 + lane, s = blockIdx.y, g = blockIdx.z;
    int r0 = s * chunk, r1 = min(per, r0 + chunk);
    float ag = 0.f, ab = 0.f;
    if (col < c) {
        for (int r = r0 + w; r < r1; r += 8) {
            int row = g * per + r;
            long long i = (long long) row * c + col;
            float xh = (x[i] - mean[row]) * rstd[row];
            float gv = gy[i];
            ag += gv * xh;
            ab += gv;
        }
    }
    sg[w][lane] = ag;
    sb[w][lane] = ab;
    __syncthreads();
    if (w == 0 && col < c) {
        float tg = sg[0][lane], tb = sb[0][lane];
        #pragma unroll
        for (int j = 1; j < 8; j++) {
            tg += sg[j][lane];
            tb += sb[j][lane];
        }
        if (splits == 1) {
            gGamma[(long long) g * c + col] += tg;
            gBeta[(long long) g * c + col] += tb;
        } else {
            float* pp = partial + ((long long) g * splits + s) * 2 * c;
            pp[col] = tg;
            pp[c + col] = tb;
        }
    }
}

extern "C" __global__ void layer_norm_params_finish(const float* partial, float* gGamma, float* gBeta, int groups, int c, int splits) {
    for (int i = gl_tid(); i < groups * c; i += gl_nthreads()) {
        int g = i / c, col = i - g * c;
        const float* pp = partial + (long long) g * splits * 2 * c;
        float tg = 0.f, tb = 0.f;
        for (int s = 0; s < splits; s++) {
            tg += pp[(long long) s * 2 * c + col];
            tb += pp[(long long) s * 2 * c + c + col];
        }
        gGamma[i] += tg;
        gBeta[i] += tb;
    }
}
