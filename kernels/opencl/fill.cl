// out = bits for every logical element (F32 and I32 alike: the host passes the bit pattern).
__kernel void fill(EW_PARAMS, EW_TENSOR(__global uint*, out), uint bits) {
    EW_BEGIN
    out[EW_INDEX(out)] = bits;
}
