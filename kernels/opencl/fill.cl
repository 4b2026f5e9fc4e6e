// out[i] = bits for every logical element (F32 and I32 alike: the host passes the bit pattern).
__kernel void fill(int n, int rank, int8 shape,
                   __global uint* out, int outOff, int8 outStride, uint bits) {
    int i = get_global_id(0);
    if (i >= n) return;
    out[outOff + strided_index(i, rank, shape, outStride)] = bits;
}
