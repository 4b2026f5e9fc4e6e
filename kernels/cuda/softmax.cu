// softmax / logSoftmax over the last axis and their backward passes, float32, dense [R, C].
// Launch: 256 threads per block (8 warps), one warp per row, grid ceil(R / 8). Each warp reads
// its row once per pass (max, sum, write), so a row stays in L1 between passes.
#include "common.cuh"

static __device__ __forceinline__ int gl_row_of_warp() { return blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; }

extern "C" __global__ void softmax_f32(const float* x, float* out, int rows, int c, int logOut) {
    int row = gl_row_of_warp(), lane = threadIdx.x % 32;
    if (row >= rows) return;
    const float* xr = x + (long long) row * c;
    float* orow = out + (long long) row * c;
    float mx = -INFINITY;
    for (int j = lane; j < c; j += 32) mx = fmaxf(mx, xr[j]);
    mx = gl_warp_max(mx);
    float s = 0.f;
    for (int j = lane; j < c; j += 32) s += expf(xr[j] - mx);
    s = gl_warp_sum(s);
    if (logOut) {
        float lse = mx + logf(s);
        for (int j = lane; j < c; j += 32) orow[j] = xr[j] - lse;
    } else {
        float inv = 1.f / s;
        for (int j = lane; j < c; j += 32) orow[j] = expf(xr[j] - mx) * inv;
    }
}

// softmax: gx = y ⊙ (gy − Σ gy⊙y); log: gx = gy − exp(y) · Σ gy.
extern "C" __global__ void softmax_backward_f32(const float* y, const float* gy, float* gx, int rows, int c, int logIn) {
    int row = gl_row_of_warp(), lane = threadIdx.x % 32;
    if (row >= rows) return;
    long long base = (long long) row * c;
    float s = 0.f;
    if (logIn) {
        for (int j = lane; j < c; j += 32) s += gy[base + j];
    } else {
        for (int j = lane; j < c; j += 32) s += gy[base + j] * y[base + j];
    }
    s = gl_warp_sum(s);
    for (int j = lane; j < c; j += 32) {
        float yv = y[base + j], g = gy[base + j];
        gx[base + j] = logIn ? g - expf(yv) * s : yv * (g - s);
    }
}
