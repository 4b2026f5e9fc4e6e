// out = x op s. mode 0 x + s, 1 x * s, 2 pow(x, s), 3 pown(x, k) for an integral exponent k
// (exact sign for negative x, as Math.pow).
__kernel void scalar(int mode, float s, int k, int n, int rank, int8 shape,
                     __global const float* x, int xOff, int8 xStride,
                     __global float* out, int outOff, int8 outStride) {
    int i = get_global_id(0);
    if (i >= n) return;
    float v = x[xOff + strided_index(i, rank, shape, xStride)];
    float r;
    if (mode == 0) r = v + s;
    else if (mode == 1) r = v * s;
    else if (mode == 2) r = pow(v, s);
    else r = pown(v, k);
    out[outOff + strided_index(i, rank, shape, outStride)] = r;
}
