// out[z] (+)= a[z] . b[z]: a [n, k], b [k, m] with arbitrary element strides (transposed views
// cost nothing), out [n, m] dense. Batch index bt maps to a and b offsets through the batch view
// (batchShape, aBatchStride, bBatchStride; stride 0 for a shared rank-2 operand). Each output
// z sums perOut consecutive batches: 1 normally, all of them when out is rank 2 (reduceBatch),
// so the reduction needs no atomics.
//
// Tiling: a TS x TS output tile per work-group of (TS/WPT)^2 work-items, each holding a WPT x WPT
// register block; k advances in slabs of TK staged in local memory. The host picks TS, WPT and
// TK from the device's work-group and local-memory limits.

#ifndef TS
#define TS 64
#endif
#ifndef WPT
#define WPT 4
#endif
#ifndef TK
#define TK 16
#endif
#define RT (TS / WPT)
#define LANES (RT * RT)

__kernel __attribute__((reqd_work_group_size(RT, RT, 1)))
void matmul(int n, int k, int m,
            __global const float* a, int aOff, int aRs, int aCs,
            __global const float* b, int bOff, int bRs, int bCs,
            __global float* out, int outOff,
            int batchRank, int8 batchShape, int8 aBatchStride, int8 bBatchStride,
            int perOut, int accumulate) {
    __local float As[TK][TS + 1];
    __local float Bs[TK][TS];
    int tx = get_local_id(0), ty = get_local_id(1);
    int lid = ty * RT + tx;
    int j0 = get_group_id(0) * TS, i0 = get_group_id(1) * TS;
    int z = get_global_id(2);
    // Load order follows whichever stride is 1, so global reads are coalesced for both layouts.
    int aKFast = aCs == 1 || aRs != 1;
    int bMFast = bCs == 1 || bRs != 1;

    float acc[WPT][WPT];
    for (int r = 0; r < WPT; r++)
        for (int c = 0; c < WPT; c++) acc[r][c] = 0.0f;

    for (int bb = 0; bb < perOut; bb++) {
        int bt = z * perOut + bb;
        int ao = aOff + strided_index(bt, batchRank, batchShape, aBatchStride);
        int bo = bOff + strided_index(bt, batchRank, batchShape, bBatchStride);
        for (int k0 = 0; k0 < k; k0 += TK) {
            for (int l = lid; l < TK * TS; l += LANES) {
                int kk, row;
                if (aKFast) { kk = l % TK; row = l / TK; } else { row = l % TS; kk = l / TS; }
                int gi = i0 + row, gq = k0 + kk;
                As[kk][row] = (gi < n && gq < k) ? a[ao + gi * aRs + gq * aCs] : 0.0f;
                int col, kb;
                if (bMFast) { col = l % TS; kb = l / TS; } else { kb = l % TK; col = l / TK; }
                int gj = j0 + col, gq2 = k0 + kb;
                Bs[kb][col] = (gq2 < k && gj < m) ? b[bo + gq2 * bRs + gj * bCs] : 0.0f;
            }
            barrier(CLK_LOCAL_MEM_FENCE);
            for (int kk = 0; kk < TK; kk++) {
                float ar[WPT], br[WPT];
                for (int r = 0; r < WPT; r++) ar[r] = As[kk][ty + r * RT];
                for (int c = 0; c < WPT; c++) br[c] = Bs[kk][tx + c * RT];
                for (int r = 0; r < WPT; r++)
                    for (int c = 0; c < WPT; c++) acc[r][c] = mad(ar[r], br[c], acc[r][c]);
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
    }

    int ob = outOff + z * n * m;
    for (int r = 0; r < WPT; r++) {
        int i = i0 + ty + r * RT;
        if (i >= n) continue;
        for (int c = 0; c < WPT; c++) {
            int j = j0 + tx + c * RT;
            if (j >= m) continue;
            int o = ob + i * m + j;
            out[o] = accumulate ? out[o] + acc[r][c] : acc[r][c];
        }
    }
}

// A variant without local memory or barriers, for CPU devices, where work-items of a group run as
// a loop the compiler vectorizes across adjacent columns and a barrier would spill every live
// register: each work-item computes RB rows of one column.
#ifndef RB
#define RB 8
#endif

__kernel void matmul_rows(int n, int k, int m,
                          __global const float* a, int aOff, int aRs, int aCs,
                          __global const float* b, int bOff, int bRs, int bCs,
                          __global float* out, int outOff,
                          int batchRank, int8 batchShape, int8 aBatchStride, int8 bBatchStride,
                          int perOut, int accumulate) {
    int j = get_global_id(0), i0 = get_global_id(1) * RB, z = get_global_id(2);
    int jc = min(j, m - 1);
    int rows[RB];
    for (int r = 0; r < RB; r++) rows[r] = min(i0 + r, n - 1) * aRs;
    float acc[RB];
    for (int r = 0; r < RB; r++) acc[r] = 0.0f;
    for (int bb = 0; bb < perOut; bb++) {
        int bt = z * perOut + bb;
        const __global float* ap = a + aOff + strided_index(bt, batchRank, batchShape, aBatchStride);
        const __global float* bp = b + bOff + strided_index(bt, batchRank, batchShape, bBatchStride) + jc * bCs;
        for (int q = 0; q < k; q++) {
            float bv = bp[q * bRs];
            for (int r = 0; r < RB; r++) acc[r] = mad(ap[rows[r] + q * aCs], bv, acc[r]);
        }
    }
    if (j >= m) return;
    int ob = outOff + z * n * m + j;
    for (int r = 0; r < RB; r++) {
        int i = i0 + r;
        if (i < n) out[ob + i * m] = accumulate ? out[ob + i * m] + acc[r] : acc[r];
    }
}

// matmul_rows with explicit float8 columns, for b with unit column stride: RB x 8 outputs per
// work-item, one vector load of b and RB broadcasts of a per step of k.
__kernel void matmul_rows8(int n, int k, int m,
                           __global const float* a, int aOff, int aRs, int aCs,
                           __global const float* b, int bOff, int bRs, int bCs,
                           __global float* out, int outOff,
                           int batchRank, int8 batchShape, int8 aBatchStride, int8 bBatchStride,
                           int perOut, int accumulate) {
    int j0 = get_global_id(0) * 8, i0 = get_global_id(1) * RB, z = get_global_id(2);
    if (j0 >= m) return;
    int full = j0 + 8 <= m;
    int rows[RB];
    for (int r = 0; r < RB; r++) rows[r] = min(i0 + r, n - 1) * aRs;
    float8 acc[RB];
    for (int r = 0; r < RB; r++) acc[r] = (float8)(0.0f);
    for (int bb = 0; bb < perOut; bb++) {
        int bt = z * perOut + bb;
        const __global float* ap = a + aOff + strided_index(bt, batchRank, batchShape, aBatchStride);
        const __global float* bp = b + bOff + strided_index(bt, batchRank, batchShape, bBatchStride) + j0;
        for (int q = 0; q < k; q++) {
            float8 bv;
            if (full) {
                bv = vload8(0, bp + q * bRs);
            } else {
                float t[8];
                for (int c = 0; c < 8; c++) t[c] = j0 + c < m ? bp[q * bRs + c] : 0.0f;
                bv = vload8(0, t);
            }
            for (int r = 0; r < RB; r++) acc[r] = mad((float8)(ap[rows[r] + q * aCs]), bv, acc[r]);
        }
    }
    int ob = outOff + z * n * m + j0;
    for (int r = 0; r < RB; r++) {
        int i = i0 + r;
        if (i >= n) break;
        __global float* o = out + ob + i * m;
        if (full) {
            vstore8(accumulate ? vload8(0, o) + acc[r] : acc[r], 0, o);
        } else {
            float t[8];
            vstore8(acc[r], 0, t);
            for (int c = 0; j0 + c < m; c++) o[c] = accumulate ? o[c] + t[c] : t[c];
        }
    }
}
