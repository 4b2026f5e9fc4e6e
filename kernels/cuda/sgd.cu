// One fused SGD step over every parameter in one launch (as dev.groklab.backend.SgdStep):
// g' = g + wd·(p − target); with momentum buf = (first step ? g' : μ·buf + (1 − dampening)·g'),
// g' = nesterov ? g' + μ·buf : buf; p −= lr·g'. Hyper-parameters and the parameter table in
// device memory (see adamw.cu; s0 is the momentum buffer, s1 unused):
//   args = {momentum, dampening, nesterov (0/1), first step (0/1), models (int bits), 0, 0, 0,
//           lr[models], wd[models]}
// buf and target may be null. Launch: 1-D grid-stride over the total element count, 256 threads.
#include "common.cuh"

extern "C" __global__ void sgd_f32(const float* __restrict__ args, const GlOptSlot* __restrict__ slots, int count, long long total) {
    const float mu = args[0], damp = args[1];
    const bool nesterov = args[2] != 0.f, first = args[3] != 0.f;
    const int models = __float_as_int(args[4]);
    const float* lrs = args + 8;
    const float* wds = args + 8 + models;
    for (long long e = gl_tid(); e < total; e += gl_nthreads()) {
        const GlOptSlot& s = slots[gl_slot_of(slots, count, e)];
        const int i = (int) (e - s.start);
        const int model = i / s.per;
        float* p = s.p;
        float* buf = s.s0;
        float pi = p[i];
        float gi = s.g[i] + wds[model] * (pi - (s.target ? s.target[i] : 0.f));
        if (buf) {
            float b = first ? gi : mu * buf[i] + (1.f - damp) * gi;
            buf[i] = b;
            gi = nesterov ? gi + mu * b : b;
        }
        p[i] = pi - lrs[model] * gi;
    }
}
