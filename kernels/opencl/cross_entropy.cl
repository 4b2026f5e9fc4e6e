// Fused cross-entropy over dense logits [rows, c]; row r uses targets[r % T] (one target vector
// serves every model of an ensemble). loss[r] = lse[r] - logits[r, t].

inline int ce_target(__global const int* targets, int tOff, int tStride, int T, int r) {
    return targets[tOff + (r % T) * tStride];
}

// One work-group per row.
__kernel void cross_entropy(int rows, int c, __global const float* x, int xOff,
                            __global const int* targets, int tOff, int tStride, int T,
                            __global float* loss, int lossOff, __global float* lse, int lseOff,
                            __global int* err, __local float* scratch) {
    int r = get_group_id(0);
    int lid = get_local_id(0), lanes = get_local_size(0);
    const __global float* xr = x + xOff + r * c;
    float mx = -INFINITY;
    for (int j = lid; j < c; j += lanes) mx = fmax(mx, xr[j]);
    mx = group_max(mx, scratch);
    // sum(exp(x - max)) - 1 without adding the 1: the maxima count 1 each, apart from one of them,
    // so log1p keeps tiny losses of confident rows exact instead of rounding them to 0.
    float rest = 0.0f, ties = 0.0f;
    for (int j = lid; j < c; j += lanes) {
        float x = xr[j];
        if (x == mx) ties += 1.0f; else rest += exp(x - mx);
    }
    rest = group_sum(rest, scratch);
    ties = group_sum(ties, scratch);
    if (lid == 0) {
        float logS = log1p(rest + (ties - 1.0f));
        int t = ce_target(targets, tOff, tStride, T, r);
        lse[lseOff + r] = mx + logS;
        if (t < 0 || t >= c) {
            report_error(err, ERR_TARGET, t, c);
            loss[lossOff + r] = NAN;
        } else {
            loss[lossOff + r] = (mx - xr[t]) + logS;
        }
    }
}

// gLogits[r, j] = gLoss[r] * (exp(logits[r, j] - lse[r]) - (j == t)); one work-item per element.
__kernel void cross_entropy_backward(int rows, int c, __global const float* x, int xOff,
                                     __global const int* targets, int tOff, int tStride, int T,
                                     __global const float* lse, int lseOff,
                                     __global const float* gLoss, int gOff,
                                     __global float* gx, int gxOff) {
    int i = get_global_id(0);
    if (i >= rows * c) return;
    int r = i / c, j = i - r * c;
    int t = ce_target(targets, tOff, tStride, T, r);
    float d = x[xOff + i] - lse[lseOff + r];
    // p - 1 at the target through expm1: exact as p -> 1.
    gx[gxOff + i] = gLoss[gOff + r] * (j == t ? expm1(d) : exp(d));
}
