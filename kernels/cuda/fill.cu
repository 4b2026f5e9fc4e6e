// fill: every element of a dense buffer set to one bit pattern (float32/int32 or float64).
// Launch: 1-D grid-stride, 256 threads per block, blocks = min(ceil(n / 256), 65535).
#include "common.cuh"

extern "C" __global__ void fill_b32(uint32_t* out, int n, uint32_t bits) {
    for (int i = gl_tid(); i < n; i += gl_nthreads()) out[i] = bits;
}

extern "C" __global__ void fill_b64(unsigned long long* out, int n, unsigned long long bits) {
    for (int i = gl_tid(); i < n; i += gl_nthreads()) out[i] = bits;
}
