// dst = src between any two strided views of equal shape.
// mode 0 copies 32-bit words; 1 converts I32 to F32; 2 converts F32 to I32 (truncating, saturating,
// NaN to 0, as Java's (int) cast).
__kernel void copy(int n, int rank, int8 shape,
                   __global const uint* src, int srcOff, int8 srcStride,
                   __global uint* dst, int dstOff, int8 dstStride, int mode) {
    int i = get_global_id(0);
    if (i >= n) return;
    uint v = src[srcOff + strided_index(i, rank, shape, srcStride)];
    if (mode == 1) v = as_uint(convert_float((int) v));
    else if (mode == 2) v = (uint) convert_int_sat_rtz(as_float(v));
    dst[dstOff + strided_index(i, rank, shape, dstStride)] = v;
}
