// unary / unaryBackward: y = f(x) and gx = gy · f'(x) (y = f(x) passed in), float32.
// op numbers follow dev.groklab.backend.Unary: NEG RELU GELU TANH EXP LOG SQUARE SQRT ABS.
// Inputs may be strided (EwLayout: x in s0, y in s1, gy in s2); outputs are dense.
// Launch: 1-D grid-stride, 256 threads per block; dense = 1 when every input is contiguous.
#include "common.cuh"

#define GL_GELU_C 0.7978845608028654f

static __device__ __forceinline__ float gl_unary(int op, float x) {
    switch (op) {
        case 0: return -x;
        case 1: return x > 0.f ? x : 0.f;
        // tanh form 0.5·x·(1 + tanh u) as x·σ(2u): tanhf rounds to −1 long before σ underflows
        case 2: return x / (1.f + expf(-2.f * GL_GELU_C * (x + 0.044715f * x * x * x)));
        case 3: return tanhf(x);
        case 4: return expf(x);
        case 5: return logf(x);
        case 6: return x * x;
        case 7: return sqrtf(x);
        default: return fabsf(x);
    }
}

static __device__ __forceinline__ float gl_derivative(int op, float x, float y) {
    switch (op) {
        case 0: return -1.f;
        case 1: return x > 0.f ? 1.f : 0.f;
        case 2: {
            float t = -2.f * GL_GELU_C * (x + 0.044715f * x * x * x), e = expf(t), s = 1.f / (1.f + e);
            if (t > 80.f) return 0.f;  // e near or past float range: e·s·s would be inf·0
            return s + x * (e * s * s) * 2.f * GL_GELU_C * (1.f + 3.f * 0.044715f * x * x);
        }
        case 3: return 1.f - y * y;
        case 4: return y;
        case 5: return 1.f / x;
        case 6: return 2.f * x;
        case 7: return 0.5f / y;
        default: return x > 0.f ? 1.f : (x < 0.f ? -1.f : 0.f);
    }
}

extern "C" __global__ void unary_f32(int op, const float* x, float* out, int n, EwLayout L, int dense) {
    for (int i = gl_tid(); i < n; i += gl_nthreads()) {
        float v = dense ? x[i] : x[gl_offset(i, L.rank, L.size, L.s0)];
        out[i] = gl_unary(op, v);
    }
}

extern "C" __global__ void unary_backward_f32(int op, const float* x, const float* y,
                                              const float* gy, float* gx, int n, EwLayout L, int dense) {
    for (int i = gl_tid(); i < n; i += gl_nthreads()) {
        float xv, yv, gv;
        if (dense) {
            xv = x[i]; yv = y[i]; gv = gy[i];
        } else {
            xv = x[gl_offset(i, L.rank, L.size, L.s0)];
            yv = y[gl_offset(i, L.rank, L.size, L.s1)];
            gv = gy[gl_offset(i, L.rank, L.size, L.s2)];
        }
        gx[i] = gv * gl_derivative(op, xv, yv);
    }
}
