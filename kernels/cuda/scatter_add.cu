// scatterAdd: gTable[m, idx[n'], :] += gOut[m, n, :], the gather's backward, deterministic
// without float atomics. Each index is a key (v for shared idx [N], m·V + v for per-model idx
// [M, N]); a stable counting sort lists the elements of every key in ascending order, then one
// block per key sums its rows in that fixed order:
//   1. scatter_count   (1-D grid-stride over E elements): counts[chunk][key] += 1 with integer
//                      atomics (exact), chunk = element / CH.
//   2. scatter_offsets (1-D over keys): per key, the exclusive prefix of its counts over the
//                      chunks (in place) and its total.
//   3. scatter_scan    (one block of 1024 threads): starts = exclusive prefix of the totals.
//   4. scatter_place   (one warp per chunk, 128 threads per block): walks its chunk in order,
//                      32 elements at a time; lanes with equal keys rank themselves with
//                      __match_any_sync, so list[starts[key] + cursor + rank] = element.
//   5. scatter_sum     (block (32, 8); grid (keys · ceil(D / 32), Mz)): the 8 warps take every
//                      8th element of the key's list, then add their sums in warp order.
// An index outside [0, V) is reported through the error word and skipped.
#include "common.cuh"

static __device__ __forceinline__ int scatter_key(const int* idx, long long e, int n, int vocab, int perModel, int* err, bool report) {
    int v = idx[e];
    if (v < 0 || v >= vocab) {
        if (report) gl_report(err, GL_ERR_SCATTER_INDEX, v, vocab, (int) (e % n));
        return -1;
    }
    return perModel ? (int) (e / n) * vocab + v : v;
}

extern "C" __global__ void scatter_count(const int* __restrict__ idx, int elements, int n, int vocab, int perModel,
                                         int* counts, int chunk, int keys, int* err) {
    for (int e = gl_tid(); e < elements; e += gl_nthreads()) {
        int key = scatter_key(idx, e, n, vocab, perModel, err, true);
        if (key >= 0) atomicAdd(&counts[(long long) (e / chunk) * keys + key], 1);
    }
}

extern "C" __global__ void scatter_offsets(int* counts, int chunks, int keys, int* totals) {
    for (int key = gl_tid(); key < keys; key += gl_nthreads()) {
        int run = 0;
        for (int c = 0; c < chunks; c++) {
            long long i = (long long) c * keys + key;
            int cnt = counts[i];
            counts[i] = run;
            run += cnt;
        }
        totals[key] = run;
    }
}

extern "C" __global__ void __launch_bounds__(1024) scatter_scan(const int* __restrict__ totals, int* __restrict__ starts, int keys) {
    __shared__ int warpSums[32];
    __shared__ int carryShared;
    int tid = threadIdx.x, lane = tid % 32, w = tid / 32;
    if (tid == 0) carryShared = 0;
    __syncthreads();
    for (int base = 0; base < keys; base += 1024) {
        int i = base + tid;
        int val = i < keys ? totals[i] : 0;
        int incl = val;
        #pragma unroll
        for (int o = 1; o < 32; o <<= 1) {
            int u = __shfl_up_sync(0xffffffffu, incl, o);
            if (lane >= o) incl += u;
        }
        if (lane == 31) warpSums[w] = incl;
        __syncthreads();
        if (w == 0) {
            int ws = warpSums[lane], wi = ws;
            #pragma unroll
            for (int o = 1; o < 32; o <<= 1) {
                int u = __shfl_up_sync(0xffffffffu, wi, o);
                if (lane >= o) wi += u;
            }
            warpSums[lane] = wi - ws;   // exclusive prefix of the warp sums
        }
        __syncthreads();
        int carry = carryShared;
        if (i < keys) starts[i] = carry + warpSums[w] + incl - val;
        __syncthreads();
        if (tid == 1023) carryShared = carry + warpSums[w] + incl;
        __syncthreads();
    }
}

extern "C" __global__ void __launch_bounds__(128) scatter_place(const int* __restrict__ idx, int elements, int n, int vocab,
                                                               int perModel, int* cursors, const int* __restrict__ starts,
                                                               int* list, int chunk, int keys, int chunks) {
    int c = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (c >= chunks) return;
    int e0 = c * chunk, e1 = min(elements, e0 + chunk);
    unsigned int below = (1u << lane) - 1u;
    for (int sub = e0; sub < e1; sub += 32) {
        int e = sub + lane;
        int key = e < e1 ? scatter_key(idx, e, n, vocab, perModel, nullptr, false) : -1;
        unsigned int peers = __match_any_sync(0xffffffffu, key);
        int cur = key >= 0 ? cursors[(long long) c * keys + key] : 0;
        __syncwarp();
        if (key >= 0) {
            int rank = __popc(peers & below);
            list[starts[key] + cur + rank] = e;
            if (rank == 0) cursors[(long long) c * keys + key] = cur + __popc(peers);
        }
        __syncwarp();
    }
}

extern "C" __global__ void __launch_bounds__(256) scatter_sum(const float* __restrict__ gOut, const int* __restrict__ list,
                                                             const int* __restrict__ starts, const int* __restrict__ totals,
                                                             float* gTable, int n, int vocab, int d, int perModel, int keys) {
    __shared__ float part[8][33];
    int dChunks = (d + 31) / 32;
    int key = blockIdx.x / dChunks, dc = blockIdx.x - key * dChunks;
    int m = blockIdx.y;
    int cnt = totals[key];
    if (cnt == 0) return;
    int start = starts[key];
    int lane = threadIdx.x, w = threadIdx.y, col = dc * 32 + lane;
    long long rowBase = perModel ? 0 : (long long) m * n;
    float acc = 0.f;
    if (col < d) {
        for (int s = w; s < cnt; s += 8) {
            long long row = rowBase + list[start + s];
            acc += gOut[row * d + col];
        }
    }
    part[w][lane] = acc;
    __syncthreads();
    if (w == 0 && col < d) {
        float t = part[0][lane];
        #pragma unroll
        for (int j = 1; j < 8; j++) t += part[j][lane];
        long long trow = perModel ? (long long) key : (long long) m * vocab + key;
        gTable[trow * d + col] += t;
    }
}
