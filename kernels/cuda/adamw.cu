// One fused AdamW step over dense p, g, m, v (and the decay target, or null for decay toward
// zero) whose leading axis is the model axis: element i belongs to model i / per. The
// hyper-parameters live in device memory, so a step captured in a CUDA graph reads the values
// of the step being replayed:
//   args = {beta1, beta2, eps, bc1, bc2, models (int bits), 0, 0, lr[models], wd[models]}
// with bc1 = 1 − beta1^step, bc2 = 1 − beta2^step. As the reference:
//   p −= lr·wd·(p − target);  m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²;
//   p −= lr·(m / bc1) / (sqrt(v / bc2) + eps).
// Launch: 1-D grid-stride over n, 256 threads per block.
#include "common.cuh"

extern "C" __global__ void adamw_f32(float* p, const float* __restrict__ g, float* m, float* v, const float* __restrict__ target,
                                     int n, int per, const float* __restrict__ args) {
    const float b1 = args[0], b2 = args[1], eps = args[2], bc1 = args[3], bc2 = args[4];
    const int models = __float_as_int(args[5]);
    const float* lrs = args + 8;
    const float* wds = args + 8 + models;
    for (int i = gl_tid(); i < n; i += gl_nthreads()) {
        int model = i / per;
        float lr = lrs[model], wd = wds[model];
        float pi = p[i], gi = g[i];
        float center = target ? target[i] : 0.f;
        pi -= lr * wd * (pi - center);
        float mi = b1 * m[i] + (1.f - b1) * gi;
        float vi = b2 * v[i] + (1.f - b2) * gi * gi;
        pi -= lr * (mi / bc1) / (sqrtf(vi / bc2) + eps);
        m[i] = mi;
        v[i] = vi;
        p[i] = pi;
    }
}
