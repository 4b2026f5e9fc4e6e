// matmul: C[g] (+)= A[bt] · B[bt] over a batch, for any element strides of A and B (transposed
// views cost nothing), a shared rank-2 operand (batch stride 0), and reduceBatch (C is one
// matrix, the sum of every product). Deterministic: split-K partials are summed in order.
//
// Work decomposition. A group is one output matrix (g = bt, or the single C when reducing).
// The k-tiles of a group form one sequence (batch × k-tiles when reducing); `splits` blocks
// share each output tile, split s taking tiles [s·T/splits, (s+1)·T/splits) of the sequence.
// With direct = 1 (splits == 1) blocks write C; otherwise they write partial[z] (z = g·splits +
// s) and matmul_reduce adds the splits of each group in order.
//
// Launch matmul_f32_128x128: 256 threads, 1-D grid of tilesN·tilesM·groups·splits blocks
// (tilesN = ceil(n/128), tilesM = ceil(m/128)); matmul_f32_64x64: 64 threads, 64-tiles;
// matmul_tf32_128x128: 256 threads (8 warps of 64×32 wmma m16n16k8 tf32 tiles, fp32
// accumulation); matmul_reduce: 1-D grid-stride, 256 threads over groups·n·m.
#include "common.cuh"
#include <mma.h>

struct MmArgs {
    int n, k, m;
    int ars, acs, brs, bcs;   // element strides of the last two axes
    int batch;                // matrices per operand
    int brank;                // merged batch axes
    int bsize[6];
    int astr[6];              // batch strides of A (0 for a shared operand)
    int bstr[6];
    int splits;
    int reduce;
    int accumulate;
    int direct;
};

// Element offsets stay in 32 bits: every storage holds fewer than 2^31 elements.
static __device__ __forceinline__ void mm_batch_offsets(const MmArgs& p, int bt, int& ao, int& bo) {
    ao = 0;
    bo = 0;
    unsigned int r = (unsigned int) bt;
    #pragma unroll
    for (int d = 5; d >= 0; d--) {
        if (d < p.brank) {
            unsigned int sz = (unsigned int) p.bsize[d];
            unsigned int q = r / sz;
            unsigned int idx = r - q * sz;
            ao += (int) idx * p.astr[d];
            bo += (int) idx * p.bstr[d];
            r = q;
        }
    }
}

// Where block blockIdx.x works: output tile (row0, col0), group g, split s, and its k-tile range.
struct MmTile {
    int row0, col0, g, z;
    int t0, t1;        // k-tile range (batch · k-tiles < 2^31: A has fewer than 2^31 elements)
    float* out;        // this block's output matrix: C[g] when direct, else partial[z]
};

template <int BM, int BN, int BK>
static __device__ __forceinline__ MmTile mm_tile(const MmArgs& p, float* C, float* partial, int& kTiles) {
    const int tilesM = (p.m + BN - 1) / BN, tilesN = (p.n + BM - 1) / BM;
    const int perZ = tilesM * tilesN;
    MmTile t;
    t.z = blockIdx.x / perZ;
    int rem = blockIdx.x - t.z * perZ;
    int tn = rem / tilesM, tm = rem - tn * tilesM;
    t.row0 = tn * BM;
    t.col0 = tm * BN;
    t.g = t.z / p.splits;
    int s = t.z - t.g * p.splits;
    kTiles = (p.k + BK - 1) / BK;
    long long nm = (long long) p.n * p.m;
    t.out = p.direct ? C + (p.reduce ? 0 : (long long) t.g * nm) : partial + (long long) t.z * nm;
    long long total = p.reduce ? (long long) p.batch * kTiles : (long long) kTiles;
    t.t0 = (int) (total * s / p.splits);
    t.t1 = (int) (total * (s + 1) / p.splits);
    return t;
}

// One operand's BK×W slice of k-tile k0 (W rows of A or columns of B), copied into S[k][x] with
// cp.async; element (k, x) is src[off + x·xs + k·ks]. Threads walk the contiguous axis so global
// reads coalesce: thread tid copies (tid % BK, tid / BK + i·NT/BK) when the k axis is contiguous
// (KC), else (tid / W + i·NT/W, tid % W). One base pointer and one step keep the address
// registers few.
template <int W, int BK, int NT, bool KC, int P>
static __device__ __forceinline__ void mm_load(const float* __restrict__ src, int off, int x0, int xn, int xs, int k0, int kn,
                                               int ks, float (*S)[P]) {
    constexpr int LD = W * BK / NT;
    const int tid = threadIdx.x;
    if (KC) {
        constexpr int XS = NT / BK;
        const int q = tid % BK, x = tid / BK, gq = k0 + q;
        const float* base = src + (off + (x0 + x) * xs + gq * ks);
        const int step = XS * xs;
        #pragma unroll
        for (int i = 0; i < LD; i++) {
            bool ok = gq < kn && x0 + x + i * XS < xn;
            gl_cp_async4(&S[q][x + i * XS], ok ? base + i * step : src, ok);
        }
    } else {
        constexpr int QS = NT / W;
        const int x = tid % W, q = tid / W, gx = x0 + x;
        const float* base = src + (off + gx * xs + (k0 + q) * ks);
        const int step = QS * ks;
        #pragma unroll
        for (int i = 0; i < LD; i++) {
            bool ok = gx < xn && k0 + q + i * QS < kn;
            gl_cp_async4(&S[q + i * QS][x], ok ? base + i * step : src, ok);
        }
    }
}

// Tile loader shared by the SIMT and tensor-core kernels: a BM×BK slice of A and a BK×BN slice
// of B per k-tile, copied straight into shared memory k-major (As[k][row], Bs[k][col]), so no
// staging registers compete with the accumulators; padded rows keep the shared stores
// conflict-free.
template <int BM, int BN, int BK, int NT, bool AK, bool BNC>
struct MmLoader {
    static_assert(NT % BK == 0 && NT % BM == 0 && NT % BN == 0, "loader geometry");
    int curBt, ao, bo;

    template <int PA, int PB>
    __device__ __forceinline__ void issue(const float* __restrict__ A, const float* __restrict__ B, const MmArgs& p,
                                          int g, int kTiles, int t, int row0, int col0, float (*As)[PA], float (*Bs)[PB]) {
        int bt = p.reduce ? t / kTiles : g;
        int kt = p.reduce ? t - bt * kTiles : t;
        if (bt != curBt) {
            mm_batch_offsets(p, bt, ao, bo);
            curBt = bt;
        }
        const int k0 = kt * BK;
        mm_load<BM, BK, NT, AK>(A, ao, row0, p.n, p.ars, k0, p.k, p.acs, As);
        const int brs = p.brs;   // read before p.bcs, so the address math compiles as with one loader per operand
        mm_load<BN, BK, NT, !BNC>(B, bo, col0, p.m, p.bcs, k0, p.k, brs, Bs);
        gl_cp_commit();
    }

    // Double buffering: first() starts copying the block's first k-tile into buffer 0; next(),
    // before k-tile it is multiplied from buffer buf, starts copying tile it + 1 into buf ^ 1 (last
    // read before the barrier that ended the previous iteration) and waits for tile it.
    template <int PA, int PB>
    __device__ __forceinline__ void first(const float* __restrict__ A, const float* __restrict__ B, const MmArgs& p,
                                          const MmTile& t, int kTiles, float (*As)[BK][PA], float (*Bs)[BK][PB]) {
        curBt = -1;
        if (t.t0 < t.t1) issue<PA, PB>(A, B, p, t.g, kTiles, t.t0, t.row0, t.col0, As[0], Bs[0]);
    }

    template <int PA, int PB>
    __device__ __forceinline__ void next(const float* __restrict__ A, const float* __restrict__ B, const MmArgs& p,
                                         const MmTile& t, int kTiles, int it, float (*As)[BK][PA], float (*Bs)[BK][PB], int buf) {
        if (it + 1 < t.t1) {
            issue<PA, PB>(A, B, p, t.g, kTiles, it + 1, t.row0, t.col0, As[buf ^ 1], Bs[buf ^ 1]);
            gl_cp_wait<1>();
        } else {
            gl_cp_wait<0>();
        }
        __syncthreads();
    }
};

// Writes one output element: C (overwrite or accumulate) or this split's partial.
static __device__ __forceinline__ void mm_write(const MmArgs& p, const MmTile& t, int r, int c, float v) {
    float* dst = t.out + (r * p.m + c);
    *dst = p.direct && p.accumulate ? *dst + v : v;
}

// fp32 SIMT kernel: 8×8 outputs per thread in two 4-wide halves (rows ty·4 and BM/2 + ty·4,
// likewise columns) so that every shared-memory read is a conflict-free float4.
template <int BM, int BN, int BK, bool AK, bool BNC>
static __device__ __forceinline__ void mm_simt(const float* __restrict__ A, const float* __restrict__ B, float* C,
                                               float* partial, const MmArgs& p) {
    constexpr int NT = (BM / 8) * (BN / 8), PA = BM + 4, PB = BN + 4;
    __shared__ __align__(16) float As[2][BK][PA];
    __shared__ __align__(16) float Bs[2][BK][PB];
    int kTiles;
    const MmTile t = mm_tile<BM, BN, BK>(p, C, partial, kTiles);
    const int tx = threadIdx.x % (BN / 8), ty = threadIdx.x / (BN / 8);

    float acc[8][8];
    #pragma unroll
    for (int i = 0; i < 8; i++)
        #pragma unroll
        for (int j = 0; j < 8; j++) acc[i][j] = 0.f;

    MmLoader<BM, BN, BK, NT, AK, BNC> ld;
    ld.first(A, B, p, t, kTiles, As, Bs);
    int buf = 0;
    for (int it = t.t0; it < t.t1; it++) {
        ld.next(A, B, p, t, kTiles, it, As, Bs, buf);
        #pragma unroll
        for (int kk = 0; kk < BK; kk++) {
            float4 a0 = *reinterpret_cast<const float4*>(&As[buf][kk][ty * 4]);
            float4 a1 = *reinterpret_cast<const float4*>(&As[buf][kk][BM / 2 + ty * 4]);
            float4 b0 = *reinterpret_cast<const float4*>(&Bs[buf][kk][tx * 4]);
            float4 b1 = *reinterpret_cast<const float4*>(&Bs[buf][kk][BN / 2 + tx * 4]);
            float a[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
            float b[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
            #pragma unroll
            for (int i = 0; i < 8; i++)
                #pragma unroll
                for (int j = 0; j < 8; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
        buf ^= 1;
    }
    #pragma unroll
    for (int i = 0; i < 8; i++) {
        int r = t.row0 + (i < 4 ? ty * 4 + i : BM / 2 + ty * 4 + i - 4);
        if (r >= p.n) continue;
        #pragma unroll
        for (int j = 0; j < 8; j++) {
            int c = t.col0 + (j < 4 ? tx * 4 + j : BN / 2 + tx * 4 + j - 4);
            if (c < p.m) mm_write(p, t, r, c, acc[i][j]);
        }
    }
}

// Entry points per operand layout: suffix letter 1 is 'k' when A's k axis is contiguous (else
// A is read along its rows), letter 2 is 'n' when B's column axis is contiguous (else along k).
#define GL_MM_SIMT(BM, BN, AK, BNC, SUF, BOUNDS) \
    extern "C" __global__ void BOUNDS matmul_f32_##BM##x##BN##_##SUF(const float* A, const float* B, float* C, float* partial, MmArgs p) { \
        mm_simt<BM, BN, 8, AK, BNC>(A, B, C, partial, p); \
    }
GL_MM_SIMT(128, 128, true, true, kn, __launch_bounds__(256, 2))
GL_MM_SIMT(128, 128, true, false, kk, __launch_bounds__(256, 2))
GL_MM_SIMT(128, 128, false, true, rn, __launch_bounds__(256, 2))
GL_MM_SIMT(128, 128, false, false, rk, __launch_bounds__(256, 2))
GL_MM_SIMT(64, 64, true, true, kn, __launch_bounds__(64, 8))
GL_MM_SIMT(64, 64, true, false, kk, __launch_bounds__(64, 8))
GL_MM_SIMT(64, 64, false, true, rn, __launch_bounds__(64, 8))
GL_MM_SIMT(64, 64, false, false, rk, __launch_bounds__(64, 8))

// TF32 tensor cores through wmma (m16n16k8): operands rounded to tf32 in registers, products
// accumulated in fp32. 8 warps as 2 (rows) × 4 (columns), each warp 64×32 = 4×2 fragments.
template <bool AK, bool BNC>
static __device__ __forceinline__ void mm_tf32(const float* __restrict__ A, const float* __restrict__ B, float* C, float* partial,
                                               const MmArgs& p) {
    using namespace nvcuda;
    constexpr int BM = 128, BN = 128, BK = 8, NT = 256, PA = BM + 4, PB = BN + 4;
    __shared__ __align__(32) float As[2][BK][PA];
    __shared__ __align__(32) float Bs[2][BK][PB];
    __shared__ __align__(32) float scratch[8][16 * 16];
    int kTiles;
    const MmTile t = mm_tile<BM, BN, BK>(p, C, partial, kTiles);
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int wy = warp / 4, wx = warp % 4;

    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[4][2];
    #pragma unroll
    for (int i = 0; i < 4; i++)
        #pragma unroll
        for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.f);

    MmLoader<BM, BN, BK, NT, AK, BNC> ld;
    ld.first(A, B, p, t, kTiles, As, Bs);
    int buf = 0;
    for (int it = t.t0; it < t.t1; it++) {
        ld.next(A, B, p, t, kTiles, it, As, Bs, buf);
        #pragma unroll
        for (int kk = 0; kk < BK; kk += 8) {
            wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fb[2];
            #pragma unroll
            for (int j = 0; j < 2; j++) {
                wmma::load_matrix_sync(fb[j], &Bs[buf][kk][wx * 32 + j * 16], PB);
                #pragma unroll
                for (int e = 0; e < fb[j].num_elements; e++) fb[j].x[e] = wmma::__float_to_tf32(fb[j].x[e]);
            }
            // One A fragment live at a time keeps the kernel within 128 registers.
            #pragma unroll
            for (int i = 0; i < 4; i++) {
                wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::col_major> fa;
                wmma::load_matrix_sync(fa, &As[buf][kk][wy * 64 + i * 16], PA);
                #pragma unroll
                for (int e = 0; e < fa.num_elements; e++) fa.x[e] = wmma::__float_to_tf32(fa.x[e]);
                #pragma unroll
                for (int j = 0; j < 2; j++) wmma::mma_sync(acc[i][j], fa, fb[j], acc[i][j]);
            }
        }
        __syncthreads();
        buf ^= 1;
    }
    float* sc = scratch[warp];
    #pragma unroll
    for (int i = 0; i < 4; i++) {
        #pragma unroll
        for (int j = 0; j < 2; j++) {
            wmma::store_matrix_sync(sc, acc[i][j], 16, wmma::mem_row_major);
            __syncwarp();
            #pragma unroll
            for (int e = lane; e < 256; e += 32) {
                int r = t.row0 + wy * 64 + i * 16 + e / 16, c = t.col0 + wx * 32 + j * 16 + e % 16;
                if (r < p.n && c < p.m) mm_write(p, t, r, c, sc[e]);
            }
            __syncwarp();
        }
    }
}

#define GL_MM_TF32(AK, BNC, SUF) \
    extern "C" __global__ void __launch_bounds__(256, 2) matmul_tf32_128x128_##SUF(const float* A, const float* B, float* C, float* partial, MmArgs p) { \
        mm_tf32<AK, BNC>(A, B, C, partial, p); \
    }
GL_MM_TF32(true, true, kn)
GL_MM_TF32(true, false, kk)
GL_MM_TF32(false, true, rn)
GL_MM_TF32(false, false, rk)

extern "C" __global__ void matmul_reduce(const float* __restrict__ partial, float* C, int groups, int splits, int nm, int accumulate) {
    long long total = (long long) groups * nm;
    for (long long i = gl_tid(); i < total; i += gl_nthreads()) {
        long long g = i / nm, o = i - g * nm;
        const float* src = partial + g * splits * (long long) nm + o;
        float acc = 0.f;
        for (int s = 0; s < splits; s++) acc += src[(long long) s * nm];
        C[i] = accumulate ? C[i] + acc : acc;
    }
}
