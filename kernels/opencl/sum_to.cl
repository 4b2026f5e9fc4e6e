// out = x summed over its reduced axes (the reverse of broadcasting); out is dense.
// Kept axes (keepShape, keepStride in x) enumerate out's elements in order. The reduced axes are
// split into an innermost run (inner elements at innerStride) and the outer ones (redShape).

// One work-item per output element: for many outputs.
__kernel void sum_to(int nOut, int keepRank, int8 keepShape, int8 keepStride,
                     int outer, int redRank, int8 redShape, int8 redStride, int inner, int innerStride,
                     __global const float* x, int xOff, __global float* out, int outOff, int accumulate) {
    int o = get_global_id(0);
    if (o >= nOut) return;
    int base = xOff + strided_index(o, keepRank, keepShape, keepStride);
    float acc = 0.0f;
    for (int r = 0; r < outer; r++) {
        int b = base + strided_index(r, redRank, redShape, redStride);
        for (int q = 0; q < inner; q++) acc += x[b + q * innerStride];
    }
    out[outOff + o] = accumulate ? out[outOff + o] + acc : acc;
}

// One work-group per output element, its lanes splitting the reduction: for few, long sums.
__kernel void sum_to_group(int nOut, int keepRank, int8 keepShape, int8 keepStride,
                           int outer, int redRank, int8 redShape, int8 redStride, int inner, int innerStride,
                           __global const float* x, int xOff, __global float* out, int outOff, int accumulate,
                           __local float* scratch) {
    int o = get_group_id(0);
    int lid = get_local_id(0), lanes = get_local_size(0);
    int base = xOff + strided_index(o, keepRank, keepShape, keepStride);
    int total = outer * inner;
    float acc = 0.0f;
    for (int t = lid; t < total; t += lanes) {
        int r = t / inner, q = t - r * inner;
        acc += x[base + strided_index(r, redRank, redShape, redStride) + q * innerStride];
    }
    acc = group_sum(acc, scratch);
    if (lid == 0) out[outOff + o] = accumulate ? out[outOff + o] + acc : acc;
}
