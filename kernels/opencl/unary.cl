// Elementwise functions of one tensor and their derivatives. op codes follow the host's mapping:
// 0 NEG, 1 RELU, 2 GELU (tanh approximation, as x·σ(2u): float tanh rounds to −1 long before σ underflows), 3 TANH, 4 EXP, 5 LOG, 6 SQUARE, 7 SQRT, 8 ABS.

#define GELU_C 0.7978845608028654f

inline float unary_f(int op, float x) {
    switch (op) {
        case 0: return -x;
        case 1: return x > 0.0f ? x : 0.0f;
        case 2: return x / (1.0f + exp(-2.0f * GELU_C * (x + 0.044715f * x * x * x)));
        case 3: return tanh(x);
        case 4: return exp(x);
        case 5: return log(x);
        case 6: return x * x;
        case 7: return sqrt(x);
        default: return fabs(x);
    }
}

// f'(x) given x and y = f(x).
inline float unary_d(int op, float x, float y) {
    switch (op) {
        case 0: return -1.0f;
        case 1: return x > 0.0f ? 1.0f : 0.0f;
        case 2: {
            float t = -2.0f * GELU_C * (x + 0.044715f * x * x * x), e = exp(t), s = 1.0f / (1.0f + e);
            if (t > 80.0f) return 0.0f;  // e near or past float range: s·s underflows, e·s·s would be inf·0
            return s + x * (e * s * s) * 2.0f * GELU_C * (1.0f + 3.0f * 0.044715f * x * x);
        }
        case 3: return 1.0f - y * y;
        case 4: return y;
        case 5: return 1.0f / x;
        case 6: return 2.0f * x;
        case 7: return 0.5f / y;
        default: return sign(x);
    }
}

__kernel void unary(int op, EW_PARAMS, EW_TENSOR(__global const float*, x), EW_TENSOR(__global float*, out)) {
    EW_BEGIN
    out[EW_INDEX(out)] = unary_f(op, x[EW_INDEX(x)]);
}

__kernel void unary_backward(int op, EW_PARAMS, EW_TENSOR(__global const float*, x), EW_TENSOR(__global const float*, y),
                             EW_TENSOR(__global const float*, gy), EW_TENSOR(__global float*, gx)) {
    EW_BEGIN
    gx[EW_INDEX(gx)] = gy[EW_INDEX(gy)] * unary_d(op, x[EW_INDEX(x)], y[EW_INDEX(y)]);
}

// Dense fast paths, one kernel per op: with the op a constant the switch folds away and, with no
// index arithmetic, compilers vectorize across work-items.
#define UNARY_DENSE(k) \
__kernel void unary_dense_##k(int n, __global const float* x, int xOff, __global float* out, int outOff) { \
    int i = get_global_id(0); \
    if (i < n) out[outOff + i] = unary_f(k, x[xOff + i]); \
} \
__kernel void unary_backward_dense_##k(int n, __global const float* x, int xOff, __global const float* y, int yOff, \
                                       __global const float* gy, int gyOff, __global float* gx, int gxOff) { \
    int i = get_global_id(0); \
    if (i < n) gx[gxOff + i] = gy[gyOff + i] * unary_d(k, x[xOff + i], y[yOff + i]); \
}
UNARY_DENSE(0) UNARY_DENSE(1) UNARY_DENSE(2) UNARY_DENSE(3) UNARY_DENSE(4)
UNARY_DENSE(5) UNARY_DENSE(6) UNARY_DENSE(7) UNARY_DENSE(8)
