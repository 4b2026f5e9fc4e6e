// gTable[m, idx[n], :] += gOut[m, n, :] without float atomics, deterministically: a counting
// sort of the positions n by index (per model), then one work-item per (m, v, column) sums its
// rows in ascending n.

// counts[m, v] = #{n : idx[m?, n] == v}; work-item (m, 0) also checks the range.
__kernel void scatter_count(int M, int N, int V, __global const int* idx, int iOff, int isM, int isN,
                            __global int* counts, __global int* err) {
    int g = get_global_id(0);
    if (g >= M * V) return;
    int m = g / V, v = g - m * V;
    int cnt = 0;
    for (int n = 0; n < N; n++) {
        int x = idx[iOff + m * isM + n * isN];
        cnt += x == v;
        if (v == 0 && (x < 0 || x >= V)) report_error(err, ERR_SCATTER_INDEX, x, V);
    }
    counts[g] = cnt;
}

// starts[m, v] = exclusive prefix sum of counts over v, one work-item per model.
__kernel void scatter_starts(int M, int V, __global const int* counts, __global int* starts) {
    int m = get_global_id(0);
    if (m >= M) return;
    int acc = 0;
    for (int v = 0; v < V; v++) {
        starts[m * V + v] = acc;
        acc += counts[m * V + v];
    }
}

// positions[m, starts[m, v] + k] = the k-th n (ascending) with idx == v.
__kernel void scatter_positions(int M, int N, int V, __global const int* idx, int iOff, int isM, int isN,
                                __global const int* starts, __global int* positions) {
    int g = get_global_id(0);
    if (g >= M * V) return;
    int m = g / V, v = g - m * V;
    int at = m * N + starts[g];
    for (int n = 0; n < N; n++) {
        if (idx[iOff + m * isM + n * isN] == v) positions[at++] = n;
    }
}

__kernel void scatter_rows(int M, int N, int V, int D,
                           __global const int* counts, __global const int* starts, __global const int* positions,
                           __global const float* gOut, int gOff, int gsM, int gsN, int gsD,
                           __global float* gTable, int tOff, int tsM, int tsV, int tsD) {
    int g = get_global_id(0);
    if (g >= M * V * D) return;
    int e = g % D, t = g / D;
    int v = t % V, m = t / V;
    int cnt = counts[m * V + v];
    if (cnt == 0) return;
    const __global int* pos = positions + m * N + starts[m * V + v];
    float acc = 0.0f;
    for (int q = 0; q < cnt; q++) acc += gOut[gOff + m * gsM + pos[q] * gsN + e * gsD];
    gTable[tOff + m * tsM + v * tsV + e * tsD] += acc;
}
