// Dropout mask from Philox4x32-10, bit-identical to ReferenceBackend.dropoutMask: element i
// uses lane i % 4 of the block at counter (i / 4, counter) under key (seed, stream); it is 0
// when uniform < p (compared in double, as the reference), else keep = (float) (1 / (1 − p)).
// Arguments in device memory so a captured step replays with its own counter:
//   struct DropArgs { uint32 seed, stream; uint64 counter; double p; float keep; int pad; }
// Launch: 1-D grid-stride over ceil(n / 4) Philox blocks, 256 threads per block.
#include "common.cuh"

struct DropArgs {
    uint32_t seed, stream;
    unsigned long long counter;
    double p;
    float keep;
    int pad;
};

extern "C" __global__ void dropout_mask_f32(float* mask, int n, const DropArgs* __restrict__ a) {
    const uint32_t seed = a->seed, stream = a->stream;
    const unsigned long long counter = a->counter;
    const double p = a->p;
    const float keep = a->keep;
    int blocks = (n + 3) / 4;
    for (int j = gl_tid(); j < blocks; j += gl_nthreads()) {
        GlPhilox r = gl_philox((uint32_t) j, 0u, (uint32_t) counter, (uint32_t) (counter >> 32), seed, stream);
        #pragma unroll
        for (int lane = 0; lane < 4; lane++) {
            int i = 4 * j + lane;
            if (i < n) mask[i] = (double) gl_uniform(r.x[lane]) < p ? 0.f : keep;
        }
    }
}
