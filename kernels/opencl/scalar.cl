// out = x op s. mode 0 x + s, 1 x * s, 2 pow(x, s), 3 pown(x, k) for an integral exponent k
// (exact sign for negative x, as Math.pow).
__kernel void scalar(int mode, float s, int k, EW_PARAMS, EW_TENSOR(__global const float*, x), EW_TENSOR(__global float*, out)) {
    EW_BEGIN
    float v = x[EW_INDEX(x)];
    float r;
    if (mode == 0) r = v + s;
    else if (mode == 1) r = v * s;
    else if (mode == 2) r = pow(v, s);
    else r = pown(v, k);
    out[EW_INDEX(out)] = r;
}
