// Langevin / Brownian walkers (dev.groklab.walkers.LangevinStep) on a PotentialForm:
//   v ← β·v + gw·∇U(x)   (v = −∇U when β = 0, gw = −(1 − β))
//   x ← wrap(x + dt·v + σ·ξ),  ξ = step pair s of walker w, stream NOISE: pair s mod 2 of the
//   Philox block at counter (w, 0, s div 2, 0) (PhiloxNormals.stepPair), one block per two steps
// Each thread keeps one walker in registers for all `steps` steps of the launch. The float32
// operation sequence (fused multiply-adds included) repeats PotentialForm.gradient and
// BrownianKernelReference; products that must round on their own use __fmul_rn so the
// compiler cannot contract them. With exact = 1 the Box–Muller log/cos/sin run in double and
// round to float, as Math.log/cos/sin do in the reference (equal except in the rare case of a
// double result within an ulp of a float rounding boundary); the fast variants use logf/sincosf.
//
// Arguments in device memory (struct WalkArgs), so a captured launch replays with its own
// first step. Kernels: langevin_{crossing,lines}_{exact,fast}; the crossing variants fix the
// normals to the axes (U = a·min((x0 − b)², (x1 − b)²) plus the quadratic terms).
// Launch: 1-D grid-stride over n walkers, 256 threads per block.
// walkers_uniform: uniform starts in [−L, L)² from stream INIT (Walkers.uniform), same launch.
#include "common.cuh"

#define GL_MAX_LINES 16
#define GL_STREAM_INIT 1u
#define GL_STREAM_NOISE 2u

struct WalkArgs {
    int seed, stepFrom, steps, lines;
    float dt, sigma, beta, gw;
    float kq, kcx, kcy, twoA;
    float px, py, halfWidth;
    int torus;
    int momentum, pad0, pad1, pad2;
    float nx[GL_MAX_LINES];
    float ny[GL_MAX_LINES];
};

static __device__ __forceinline__ float walk_wrap(float x, float l, int torus) {
    if (!torus) return x;
    if (x >= l) return x - 2.f * l;
    if (x < -l) return x + 2.f * l;
    return x;
}

template <bool CROSSING, bool EXACT>
static __device__ __forceinline__ void langevin(float* x0s, float* x1s, float* p0s, float* p1s, int n, const WalkArgs* __restrict__ ap) {
    const WalkArgs& a = *ap;
    for (int w = gl_tid(); w < n; w += gl_nthreads()) {
        float x0 = x0s[w], x1 = x1s[w];
        float v0 = a.momentum ? p0s[w] : 0.f, v1 = a.momentum ? p1s[w] : 0.f;
        GlPhilox b = {};
        for (int s = a.stepFrom; s < a.stepFrom + a.steps; s++) {
            // Every thread has the same s, so this branch never diverges within a warp.
            if (s == a.stepFrom || (s & 1) == 0) {
                b = gl_philox((uint32_t) w, 0u, (uint32_t) s >> 1, 0u, (uint32_t) a.seed, GL_STREAM_NOISE);
            }
            // Selects rather than b.x[pair]: a run-time index would put b in local memory.
            bool second = (s & 1) != 0;
            float u1 = gl_uniform_open_zero(second ? b.x[2] : b.x[0]), u2 = gl_uniform(second ? b.x[3] : b.x[1]);
            float l, c, sn;
            float t = __fmul_rn(6.2831855f, u2);
            if (EXACT) {
                l = (float) log((double) u1);
                double sd, cd;
                sincos((double) t, &sd, &cd);
                c = (float) cd;
                sn = (float) sd;
            } else {
                l = logf(u1);
                sincosf(t, &sn, &c);
            }
            float r = sqrtf(__fmul_rn(-2.f, l));
            float z0 = __fmul_rn(r, c), z1 = __fmul_rn(r, sn);

            // ∇U in PotentialForm.gradient's float32 sequence.
            float g0 = fmaf(a.kq, x0, -a.kcx), g1 = fmaf(a.kq, x1, -a.kcy);
            int d = CROSSING ? 2 : a.lines;
            if (d > 0) {
                float dx = x0 - a.px, dy = x1 - a.py;
                float n0x = CROSSING ? 1.f : a.nx[0], n0y = CROSSING ? 0.f : a.ny[0];
                float bd = fmaf(n0x, dx, __fmul_rn(n0y, dy)), bnx = n0x, bny = n0y, b2 = __fmul_rn(bd, bd);
                for (int k = 1; k < d; k++) {
                    float nkx = CROSSING ? 0.f : a.nx[k], nky = CROSSING ? 1.f : a.ny[k];
                    float dk = fmaf(nkx, dx, __fmul_rn(nky, dy)), d2 = __fmul_rn(dk, dk);
                    if (d2 < b2) { b2 = d2; bd = dk; bnx = nkx; bny = nky; }
                }
                float sc = __fmul_rn(a.twoA, bd);
                g0 = fmaf(sc, bnx, g0);
                g1 = fmaf(sc, bny, g1);
            }
            if (a.momentum) {
                v0 = fmaf(a.beta, v0, __fmul_rn(a.gw, g0));
                v1 = fmaf(a.beta, v1, __fmul_rn(a.gw, g1));
            } else {
                v0 = -g0;
                v1 = -g1;
            }
            x0 = walk_wrap(fmaf(a.sigma, z0, fmaf(a.dt, v0, x0)), a.halfWidth, a.torus);
            x1 = walk_wrap(fmaf(a.sigma, z1, fmaf(a.dt, v1, x1)), a.halfWidth, a.torus);
        }
        x0s[w] = x0;
        x1s[w] = x1;
        if (a.momentum) {
            p0s[w] = v0;
            p1s[w] = v1;
        }
    }
}

extern "C" __global__ void langevin_crossing_exact(float* x0, float* x1, float* p0, float* p1, int n, const WalkArgs* a) {
    langevin<true, true>(x0, x1, p0, p1, n, a);
}
extern "C" __global__ void langevin_crossing_fast(float* x0, float* x1, float* p0, float* p1, int n, const WalkArgs* a) {
    langevin<true, false>(x0, x1, p0, p1, n, a);
}
extern "C" __global__ void langevin_lines_exact(float* x0, float* x1, float* p0, float* p1, int n, const WalkArgs* a) {
    langevin<false, true>(x0, x1, p0, p1, n, a);
}
extern "C" __global__ void langevin_lines_fast(float* x0, float* x1, float* p0, float* p1, int n, const WalkArgs* a) {
    langevin<false, false>(x0, x1, p0, p1, n, a);
}

extern "C" __global__ void walkers_uniform(float* x0, float* x1, int n, int seed, float halfWidth) {
    float span = 2.f * halfWidth;
    for (int w = gl_tid(); w < n; w += gl_nthreads()) {
        GlPhilox b = gl_philox((uint32_t) w, 0u, 0u, 0u, (uint32_t) seed, GL_STREAM_INIT);
        x0[w] = fmaf(span, gl_uniform(b.x[0]), -halfWidth);
        x1[w] = fmaf(span, gl_uniform(b.x[1]), -halfWidth);
    }
}
