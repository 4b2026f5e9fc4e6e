// gather: out[m, n, :] = table[m, idx[n'], :] with table [M, V, D] dense, idx I32 [N] (shared,
// n' = n) or [M, N] (per model, n' = m·N + n), out [M, N, D]. An index outside [0, V) is
// reported through the error word and its row reads as zeros.
// Launch: 1-D grid-stride over M·N·D elements, 256 threads per block.
#include "common.cuh"

extern "C" __global__ void gather_f32(const float* __restrict__ table, const int* __restrict__ idx, float* __restrict__ out,
                                      int models, int vocab, int n, int d, int perModel, int* err) {
    long long total = (long long) models * n * d;
    for (long long e = gl_tid(); e < total; e += gl_nthreads()) {
        long long row = e / d;
        int col = (int) (e - row * d);
        int m = (int) (row / n), ni = (int) (row - (long long) m * n);
        int v = idx[perModel ? row : ni];
        if (v < 0 || v >= vocab) {
            if (col == 0) gl_report(err, GL_ERR_GATHER_INDEX, v, vocab, ni);
            out[e] = 0.f;
        } else {
            out[e] = table[((long long) m * vocab + v) * d + col];
        }
    }
}
