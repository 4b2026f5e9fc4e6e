// Row softmax / log-softmax over the last axis of dense [rows, c] tensors and their backwards.
// One work-group per row; its lanes stride over the row and combine through local memory.

__kernel void softmax(int rows, int c, __global const float* x, int xOff,
                      __global float* out, int outOff, int logMode, __local float* scratch) {
    int r = get_group_id(0);
    int lid = get_local_id(0), lanes = get_local_size(0);
    const __global float* xr = x + xOff + r * c;
    __global float* orow = out + outOff + r * c;
    float mx = -INFINITY;
    for (int j = lid; j < c; j += lanes) mx = fmax(mx, xr[j]);
    mx = group_max(mx, scratch);
    float s = 0.0f;
    for (int j = lid; j < c; j += lanes) s += exp(xr[j] - mx);
    s = group_sum(s, scratch);
    if (logMode) {
        float lse = mx + log(s);
        for (int j = lid; j < c; j += lanes) orow[j] = xr[j] - lse;
    } else {
        for (int j = lid; j < c; j += lanes) orow[j] = exp(xr[j] - mx) / s;
    }
}

// softmax: gx = y * (gy - sum(gy * y)); log-softmax: gx = gy - exp(y) * sum(gy).
__kernel void softmax_backward(int rows, int c, __global const float* y, int yOff,
                               __global const float* gy, int gyOff,
                               __global float* gx, int gxOff, int logMode, __local float* scratch) {
    int r = get_group_id(0);
    int lid = get_local_id(0), lanes = get_local_size(0);
    const __global float* yr = y + yOff + r * c;
    const __global float* gr = gy + gyOff + r * c;
    __global float* xr = gx + gxOff + r * c;
    float s = 0.0f;
    if (logMode) {
        for (int j = lid; j < c; j += lanes) s += gr[j];
    } else {
        for (int j = lid; j < c; j += lanes) s += gr[j] * yr[j];
    }
    s = group_sum(s, scratch);
    if (logMode) {
        for (int j = lid; j < c; j += lanes) xr[j] = gr[j] - exp(yr[j]) * s;
    } else {
        for (int j = lid; j < c; j += lanes) xr[j] = yr[j] * (gr[j] - s);
    }
}
