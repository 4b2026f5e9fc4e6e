// dst = src between any two strided views of equal shape.
// mode 0 copies 32-bit words; 1 converts I32 to F32; 2 converts F32 to I32 (truncating, saturating,
// NaN to 0, as Java's (int) cast).
__kernel void copy(EW_PARAMS, EW_TENSOR(__global const uint*, src), EW_TENSOR(__global uint*, dst), int mode) {
    EW_BEGIN
    uint v = src[EW_INDEX(src)];
    if (mode == 1) v = as_uint(convert_float((int) v));
    else if (mode == 2) v = (uint) convert_int_sat_rtz(as_float(v));
    dst[EW_INDEX(dst)] = v;
}
