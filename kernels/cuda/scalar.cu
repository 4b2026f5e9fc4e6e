// scalar: out = x op s with op numbers of dev.groklab.backend.ScalarOp (ADD MUL POW), float32
// storage; the arithmetic is done in double as the reference does, then rounded once.
// Launch: 1-D grid-stride, 256 threads per block; x may be strided (EwLayout s0).
#include "common.cuh"

extern "C" __global__ void scalar_f32(int op, const float* x, double s, float* out, int n, EwLayout L, int dense) {
    for (int i = gl_tid(); i < n; i += gl_nthreads()) {
        double v = (double) (dense ? x[i] : x[gl_offset(i, L.rank, L.size, L.s0)]);
        double r;
        if (op == 0) r = v + s;
        else if (op == 1) r = v * s;
        else r = pow(v, s);
        out[i] = (float) r;
    }
}
