// out = a op b with NumPy broadcasting: broadcast axes arrive with stride 0.
// op 0 ADD, 1 SUB, 2 MUL, 3 DIV.

inline float binary_f(int op, float x, float y) {
    switch (op) {
        case 0: return x + y;
        case 1: return x - y;
        case 2: return x * y;
        default: return x / y;
    }
}

__kernel void binary(int op, EW_PARAMS, EW_TENSOR(__global const float*, a), EW_TENSOR(__global const float*, b),
                     EW_TENSOR(__global float*, out)) {
    EW_BEGIN
    out[EW_INDEX(out)] = binary_f(op, a[EW_INDEX(a)], b[EW_INDEX(b)]);
}

// Dense operands of one shape, one kernel per op (see unary.cl).
#define BINARY_DENSE(k) \
__kernel void binary_dense_##k(int n, __global const float* a, int aOff, __global const float* b, int bOff, \
                               __global float* out, int outOff) { \
    int i = get_global_id(0); \
    if (i < n) out[outOff + i] = binary_f(k, a[aOff + i], b[bOff + i]); \
}
BINARY_DENSE(0) BINARY_DENSE(1) BINARY_DENSE(2) BINARY_DENSE(3)

// A dense a with a b repeating every `period` elements (a bias row broadcast over leading axes).
#define BINARY_ROWS(k) \
__kernel void binary_rows_##k(int period, __global const float* a, int aOff, __global const float* b, int bOff, \
                              __global float* out, int outOff) { \
    int j = get_global_id(0), r = get_global_id(1); \
    if (j < period) out[outOff + r * period + j] = binary_f(k, a[aOff + r * period + j], b[bOff + j]); \
}
BINARY_ROWS(0) BINARY_ROWS(1) BINARY_ROWS(2) BINARY_ROWS(3)
