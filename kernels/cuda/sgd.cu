// One fused SGD step (as dev.groklab.backend.SgdStep): g' = g + wd·(p − target); with momentum
// buf = (first step ? g' : μ·buf + (1 − dampening)·g'), g' = nesterov ? g' + μ·buf : buf;
// p −= lr·g'. Hyper-parameters in device memory (see adamw.cu):
//   args = {momentum, dampening, nesterov (0/1), first step (0/1), models (int bits), 0, 0, 0,
//           lr[models], wd[models]}
// buf and target may be null. Launch: 1-D grid-stride over n, 256 threads per block.
#include "common.cuh"

extern "C" __global__ void sgd_f32(float* p, const float* __restrict__ g, float* buf, const float* __restrict__ target, int n,
                                   int per, const float* __restrict__ args) {
    const float mu = args[0], damp = args[1];
    const bool nesterov = args[2] != 0.f, first = args[3] != 0.f;
    const int models = __float_as_int(args[4]);
    const float* lrs = args + 8;
    const float* wds = args + 8 + models;
    for (int i = gl_tid(); i < n; i += gl_nthreads()) {
        int model = i / per;
        float pi = p[i];
        float gi = g[i] + wds[model] * (pi - (target ? target[i] : 0.f));
        if (buf) {
            float b = first ? gi : mu * buf[i] + (1.f - damp) * gi;
            buf[i] = b;
            gi = nesterov ? gi + mu * b : b;
        }
        p[i] = pi - lrs[model] * gi;
    }
}
