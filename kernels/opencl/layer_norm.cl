// Layer norm over the last axis of dense x [rows, c]; gamma and beta [G, c], rows r in group
// r / per (per = rows / G: one group per model). mean and rstd [rows] are saved for the backward.

// One work-group per row; the variance is the two-pass sum of squared deviations.
__kernel void layer_norm(int rows, int c, int per, float eps,
                         __global const float* x, int xOff,
                         __global const float* gamma, int gOff, __global const float* beta, int bOff,
                         __global float* out, int outOff, __global float* mean, int meanOff,
                         __global float* rstd, int rstdOff, __local float* scratch) {
    int r = get_group_id(0);
    int lid = get_local_id(0), lanes = get_local_size(0);
    const __global float* xr = x + xOff + r * c;
    __global float* orow = out + outOff + r * c;
    int pb = (r / per) * c;
    float s = 0.0f;
    for (int j = lid; j < c; j += lanes) s += xr[j];
    float mu = group_sum(s, scratch) / c;
    float v = 0.0f;
    for (int j = lid; j < c; j += lanes) { float d = xr[j] - mu; v += d * d; }
    float var = group_sum(v, scratch) / c;
    float rs = 1.0f / sqrt(var + eps);
    if (lid == 0) { mean[meanOff + r] = mu; rstd[rstdOff + r] = rs; }
    for (int j = lid; j < c; j += lanes) {
        orow[j] = (xr[j] - mu) * rs * gamma[gOff + pb + j] + beta[bOff + pb + j];
    }
}

// gx per row: gx = rstd * (d - mean(d) - xhat * mean(d * xhat)) with d = gy * gamma.
__kernel void layer_norm_backward(int rows, int c, int per,
                                  __global const float* x, int xOff, __global const float* gamma, int gOff,
                                  __global const float* mean, int meanOff, __global const float* rstd, int rstdOff,
                                  __global const float* gy, int gyOff, __global float* gx, int gxOff,
                                  __local float* scratch) {
    int r = get_group_id(0);
    int lid = get_local_id(0), lanes = get_local_size(0);
    const __global float* xr = x + xOff + r * c;
    const __global float* gr = gy + gyOff + r * c;
    __global float* dr = gx + gxOff + r * c;
    int pb = (r / per) * c;
    float mu = mean[meanOff + r], rs = rstd[rstdOff + r];
    float sd = 0.0f, sdx = 0.0f;
    for (int j = lid; j < c; j += lanes) {
        float xh = (xr[j] - mu) * rs;
        float d = gr[j] * gamma[gOff + pb + j];
        sd += d;
        sdx += d * xh;
    }
    sd = group_sum(sd, scratch);
    sdx = group_sum(sdx, scratch);
    for (int j = lid; j < c; j += lanes) {
        float xh = (xr[j] - mu) * rs;
        float d = gr[j] * gamma[gOff + pb + j];
        dr[j] = rs * (d - sd / c - xh * sdx / c);
    }
}

// gGamma, gBeta += per-column sums over the group's rows: one work-item per (group, column), so
// the reduction is deterministic and needs no atomics.
__kernel void layer_norm_params_backward(int groups, int c, int per,
                                         __global const float* x, int xOff,
                                         __global const float* mean, int meanOff, __global const float* rstd, int rstdOff,
                                         __global const float* gy, int gyOff,
                                         __global float* gGamma, int ggOff, __global float* gBeta, int gbOff) {
    int i = get_global_id(0);
    if (i >= groups * c) return;
    int g = i / c, j = i - g * c;
    float sg = 0.0f, sb = 0.0f;
    for (int r = g * per; r < (g + 1) * per; r++) {
        float xh = (x[xOff + r * c + j] - mean[meanOff + r]) * rstd[rstdOff + r];
        float gv = gy[gyOff + r * c + j];
        sg += gv * xh;
        sb += gv;
    }
    gGamma[ggOff + i] += sg;
    gBeta[gbOff + i] += sb;
}
