// One fused AdamW step over every parameter of a model (ensemble) in one launch. The
// hyper-parameters and a table of the parameters live in device memory, so a step captured in a
// CUDA graph reads the values of the step being replayed:
//   args  = {beta1, beta2, eps, bc1, bc2, models (int bits), 0, 0, lr[models], wd[models]}
//   slots = one GlOptSlot per parameter (p, g, m, v, decay target or null), in element order
// with bc1 = 1 − beta1^step, bc2 = 1 − beta2^step. Each parameter is dense with the model axis
// first: its element j belongs to model j / per. As the reference:
//   p −= lr·wd·(p − target);  m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²;
//   p −= lr·(m / bc1) / (sqrt(v / bc2) + eps).
// Launch: 1-D grid-stride over the total element count, 256 threads per block.
#include "common.cuh"

extern "C" __global__ void adamw_f32(const float* __restrict__ args, const GlOptSlot* __restrict__ slots, int count, long long total) {
    const float b1 = args[0], b2 = args[1], eps = args[2], bc1 = args[3], bc2 = args[4];
    const int models = __float_as_int(args[5]);
    const float* lrs = args + 8;
    const float* wds = args + 8 + models;
    for (long long e = gl_tid(); e < total; e += gl_nthreads()) {
        const GlOptSlot& s = slots[gl_slot_of(slots, count, e)];
        const int i = (int) (e - s.start);
        const int model = i / s.per;
        const float lr = lrs[model], wd = wds[model];
        float* p = s.p;
        float* m = s.s0;
        float* v = s.s1;
        float pi = p[i], gi = s.g[i];
        float center = s.target ? s.target[i] : 0.f;
        pi -= lr * wd * (pi - center);
        float mi = b1 * m[i] + (1.f - b1) * gi;
        float vi = b2 * v[i] + (1.f - b2) * gi * gi;
        pi -= lr * (mi / bc1) / (sqrtf(vi / bc2) + eps);
        m[i] = mi;
        v[i] = vi;
        p[i] = pi;
    }
}
