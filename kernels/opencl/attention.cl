// Fused scaled dot-product attention over dense q, k, v, out [B, T, D]: one work-item per query
// (or, in the key/value backward, per key) row. Rows of the output are accumulated CH columns at
// a time in private memory, recomputing the scores per chunk, so any D works without a
// compile-time bound.

#define CH 32

inline float dot_rows(const __global float* x, const __global float* y, int d) {
    float s = 0.0f;
    for (int e = 0; e < d; e++) s = mad(x[e], y[e], s);
    return s;
}

__kernel void attention(int B, int T, int D, int causal, float scale,
                        __global const float* q, int qOff, __global const float* k, int kOff,
                        __global const float* v, int vOff, __global float* out, int outOff,
                        __global float* lse, int lseOff) {
    int row = get_global_id(0);
    if (row >= B * T) return;
    int b = row / T, i = row - b * T;
    int last = causal ? i : T - 1;
    const __global float* qr = q + qOff + row * D;
    const __global float* kb = k + kOff + b * T * D;
    const __global float* vb = v + vOff + b * T * D;
    // Online max and sum of exponentials: one pass over the keys.
    float mx = -INFINITY, z = 0.0f;
    for (int j = 0; j <= last; j++) {
        float s = dot_rows(qr, kb + j * D, D) * scale;
        if (s > mx) { z = z * exp(mx - s) + 1.0f; mx = s; }
        else z += exp(s - mx);
    }
    float l = mx + log(z);
    lse[lseOff + row] = l;
    __global float* orow = out + outOff + row * D;
    for (int e0 = 0; e0 < D; e0 += CH) {
        int w = min(CH, D - e0);
        float acc[CH];
        for (int c = 0; c < CH; c++) acc[c] = 0.0f;
        for (int j = 0; j <= last; j++) {
            float p = exp(dot_rows(qr, kb + j * D, D) * scale - l);
            const __global float* vr = vb + j * D + e0;
            for (int c = 0; c < w; c++) acc[c] = mad(p, vr[c], acc[c]);
        }
        for (int c = 0; c < w; c++) orow[e0 + c] = acc[c];
    }
}

// gq rows, and dd[row] = sum(gOut * out) for the key/value pass.
// p = exp(s - lse), ds = p (gOut.v_j - dd) scale, gq_i = sum_j ds k_j.
__kernel void attention_backward_q(int B, int T, int D, int causal, float scale,
                                   __global const float* q, int qOff, __global const float* k, int kOff,
                                   __global const float* v, int vOff, __global const float* out, int outOff,
                                   __global const float* lse, int lseOff, __global const float* gOut, int gOff,
                                   __global float* gq, int gqOff, __global float* dd) {
    int row = get_global_id(0);
    if (row >= B * T) return;
    int b = row / T, i = row - b * T;
    int last = causal ? i : T - 1;
    const __global float* qr = q + qOff + row * D;
    const __global float* gr = gOut + gOff + row * D;
    const __global float* kb = k + kOff + b * T * D;
    const __global float* vb = v + vOff + b * T * D;
    float ddi = dot_rows(gr, out + outOff + row * D, D);
    dd[row] = ddi;
    float l = lse[lseOff + row];
    __global float* grow = gq + gqOff + row * D;
    for (int e0 = 0; e0 < D; e0 += CH) {
        int w = min(CH, D - e0);
        float acc[CH];
        for (int c = 0; c < CH; c++) acc[c] = 0.0f;
        for (int j = 0; j <= last; j++) {
            float p = exp(dot_rows(qr, kb + j * D, D) * scale - l);
            float ds = p * (dot_rows(gr, vb + j * D, D) - ddi) * scale;
            const __global float* kr = kb + j * D + e0;
            for (int c = 0; c < w; c++) acc[c] = mad(ds, kr[c], acc[c]);
        }
        for (int c = 0; c < w; c++) grow[e0 + c] = acc[c];
    }
}

// gk, gv rows: one work-item per key row j, summing over the queries i that see it.
__kernel void attention_backward_kv(int B, int T, int D, int causal, float scale,
                                    __global const float* q, int qOff, __global const float* k, int kOff,
                                    __global const float* v, int vOff,
                                    __global const float* lse, int lseOff, __global const float* gOut, int gOff,
                                    __global const float* dd,
                                    __global float* gk, int gkOff, __global float* gv, int gvOff) {
    int row = get_global_id(0);
    if (row >= B * T) return;
    int b = row / T, j = row - b * T;
    int first = causal ? j : 0;
    const __global float* kr = k + kOff + row * D;
    const __global float* vr = v + vOff + row * D;
    const __global float* qb = q + qOff + b * T * D;
    const __global float* gb = gOut + gOff + b * T * D;
    __global float* gkr = gk + gkOff + row * D;
    __global float* gvr = gv + gvOff + row * D;
    for (int e0 = 0; e0 < D; e0 += CH) {
        int w = min(CH, D - e0);
        float ak[CH], av[CH];
        for (int c = 0; c < CH; c++) { ak[c] = 0.0f; av[c] = 0.0f; }
        for (int i = first; i < T; i++) {
            const __global float* qi = qb + i * D;
            const __global float* gi = gb + i * D;
            float p = exp(dot_rows(qi, kr, D) * scale - lse[lseOff + b * T + i]);
            float ds = p * (dot_rows(gi, vr, D) - dd[b * T + i]) * scale;
            for (int c = 0; c < w; c++) {
                av[c] = mad(p, gi[e0 + c], av[c]);
                ak[c] = mad(ds, qi[e0 + c], ak[c]);
            }
        }
        for (int c = 0; c < w; c++) { gkr[e0 + c] = ak[c]; gvr[e0 + c] = av[c]; }
    }
}
