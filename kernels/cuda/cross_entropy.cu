// Fused cross-entropy per row: logits [R, C] dense, targets I32 [T] with row r using
// targets[r % T]; loss[r] = logsumexp(logits[r]) − logits[r, t], lse[r] kept for the backward;
// gLogits[r] = gLoss[r] · (softmax(logits[r]) − onehot(t)). A target outside [0, C) is reported
// through the error word (its row's loss becomes NaN, its gradient 0).
// Launch: 256 threads per block, one warp per row, grid ceil(R / 8).
#include "common.cuh"

extern "C" __global__ void cross_entropy_f32(const float* logits, const int* targets, int nTargets, float* loss, float* lse,
                                             int rows, int c, int* err) {
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= rows) return;
    const float* xr = logits + (long long) row * c;
    float mx = -INFINITY;
    for (int j = lane; j < c; j += 32) mx = fmaxf(mx, xr[j]);
    mx = gl_warp_max(mx);
    float s = 0.f;
    for (int j = lane; j < c; j += 32) s += expf(xr[j] - mx);
    s = gl_warp_sum(s);
    if (lane == 0) {
        float l = mx + logf(s);
        int t = targets[row % nTargets];
        lse[row] = l;
        if (t < 0 || t >= c) {
            gl_report(err, GL_ERR_CE_TARGET, t, c, row);
            loss[row] = NAN;
        } else {
            loss[row] = l - xr[t];
        }
    }
}

extern "C" __global__ void cross_entropy_backward_f32(const float* logits, const int* targets, int nTargets, const float* lse,
                                                      const float* gLoss, float* gLogits, int rows, int c) {
    int row = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= rows) return;
    long long base = (long long) row * c;
    float g = gLoss[row], l = lse[row];
    int t = targets[row % nTargets];
    bool valid = t >= 0 && t < c;
    for (int j = lane; j < c; j += 32) {
        float p = expf(logits[base + j] - l);
        gLogits[base + j] = valid ? g * (p - (j == t ? 1.f : 0.f)) : 0.f;
    }
}
