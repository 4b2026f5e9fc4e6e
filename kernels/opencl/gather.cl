// out[m, n, :] = table[m, idx[m?, n], :]; table [M, V, D], idx [N] (shared, idxStrideM 0) or
// [M, N], out [M, N, D]; all strided. A bad index is reported and its row written as NaN.
__kernel void gather(int M, int N, int V, int D,
                     __global const float* table, int tOff, int tsM, int tsV, int tsD,
                     __global const int* idx, int iOff, int isM, int isN,
                     __global float* out, int oOff, int osM, int osN, int osD,
                     __global int* err) {
    int g = get_global_id(0);
    if (g >= M * N * D) return;
    int e = g % D, t = g / D;
    int n = t % N, m = t / N;
    int v = idx[iOff + m * isM + n * isN];
    int o = oOff + m * osM + n * osN + e * osD;
    if (v < 0 || v >= V) {
        if (e == 0) report_error(err, ERR_GATHER_INDEX, v, V);
        out[o] = NAN;
        return;
    }
    out[o] = table[tOff + m * tsM + v * tsV + e * tsD];
}
