// binary: out = a op b with NumPy broadcasting (the host expands a and b to out's shape with
// zero strides), op numbers of dev.groklab.backend.Binary: ADD SUB MUL DIV. float32.
// Launch: 1-D grid-stride, 256 threads per block; a in EwLayout s0, b in s1; out dense (it may
// alias a or b: each element is read before it is written by the same thread).
#include "common.cuh"

extern "C" __global__ void binary_f32(int op, const float* a, const float* b, float* out, int n, EwLayout L, int dense) {
    for (int i = gl_tid(); i < n; i += gl_nthreads()) {
        float x, y;
        if (dense) {
            x = a[i]; y = b[i];
        } else {
            x = a[gl_offset(i, L.rank, L.size, L.s0)];
            y = b[gl_offset(i, L.rank, L.size, L.s1)];
        }
        float r;
        switch (op) {
            case 0: r = x + y; break;
            case 1: r = x - y; break;
            case 2: r = x * y; break;
            default: r = x / y; break;
        }
        out[i] = r;
    }
}
