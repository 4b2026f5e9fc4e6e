// Langevin / Brownian walkers (dev.groklab.walkers.LangevinStep) on a PotentialForm:
//   v <- beta*v + gw*grad U(x)   (v = -grad U when beta = 0; gw = -(1 - beta))
//   x <- wrap(x + dt*v + sigma*xi),  xi = step pair s of walker w, stream NOISE: pair s mod 2 of
//   the Philox block at counter (w, 0, s div 2, 0) (PhiloxNormals.stepPair), one block per two steps
// One work-item per walker keeps it in registers for all `steps` steps of the launch. The float32
// operation sequence repeats PotentialForm.gradient and BrownianKernelReference: fused
// multiply-adds only where they call Math.fma (explicit fma, contraction off), so the two
// differ only where the math library does.
//
// Box-Muller: with WALK_FP64 (the host defines it on devices with cl_khr_fp64) log, sqrt, sin
// and cos run in double and round to float, as the reference's Math.log/sqrt/cos/sin do; the
// normals then equal the CPU's except when a double result lies within an ulp of a float
// rounding boundary. Without fp64 the float built-ins are used (OpenCL 1.2 allows 3 ulp for
// log and sqrt, 4 for sin and cos): normals agree to a few ulp and trajectories to fp32
// tolerance, not bit for bit.
//
// The line normals come by value as float16 (PotentialForm.MAX_LINES = 16), so a launch uploads
// nothing; the crossing variant fixes them to the axes. walkers_uniform: uniform starts in [-L, L)^2 from stream INIT
// (Walkers.uniform).
#ifdef WALK_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
#pragma OPENCL FP_CONTRACT OFF

#define WALK_STREAM_INIT 1u
#define WALK_STREAM_NOISE 2u

// Philox.uniform: [0, 1) from the top 24 bits, exact in float.
inline float walk_uniform(uint bits) { return (float) (bits >> 8) * 0x1.0p-24f; }

// Philox.uniformOpenZero: (0, 1], safe for log.
inline float walk_uniform_open_zero(uint bits) { return (float) ((bits >> 8) + 1u) * 0x1.0p-24f; }

// PhiloxNormals.pair: (r cos t, r sin t), r = sqrt(-2 log u1), t = TWO_PI * u2. Separate sin and
// cos rather than sincos: PoCL's float sincos ran several times slower than the two.
inline float2 walk_normals(uint bitsU1, uint bitsU2) {
    float u1 = walk_uniform_open_zero(bitsU1);
    float t = 6.2831855f * walk_uniform(bitsU2);
#ifdef WALK_FP64
    float l = (float) log((double) u1);
    float r = (float) sqrt((double) (-2.0f * l));
    float c = (float) cos((double) t), s = (float) sin((double) t);
#else
    float l = log(u1);
    float r = sqrt(-2.0f * l);
    float c = cos(t), s = sin(t);
#endif
    return (float2)(r * c, r * s);
}

// Domain.wrap: one period back into [-L, L) on the torus.
inline float walk_wrap(float x, float l, int torus) {
    if (!torus) return x;
    if (x >= l) return x - 2.0f * l;
    if (x < -l) return x + 2.0f * l;
    return x;
}

#define WALK_SCALARS int n, uint seed, int stepFrom, int steps, int lines, \
    float dt, float sigma, float beta, float gw, float kq, float kcx, float kcy, float twoA, \
    float px, float py, float halfWidth, int torus, int momentum
#define WALK_BUFFERS __global float* x0s, int x0Off, __global float* x1s, int x1Off, \
    __global float* p0s, int p0Off, __global float* p1s, int p1Off
// Unpacked by component: passing a float16 on to a function changes the ABI on CPUs without AVX-512.
#define WALK_UNPACK16(v, a) float a[16] = {v.s0, v.s1, v.s2, v.s3, v.s4, v.s5, v.s6, v.s7, \
    v.s8, v.s9, v.sa, v.sb, v.sc, v.sd, v.se, v.sf}

// `crossing` is a literal at each call, so the compiler folds the axis normals in.
inline void langevin(WALK_SCALARS, const float* nx, const float* ny, WALK_BUFFERS, const int crossing) {
    int w = get_global_id(0);
    if (w >= n) return;
    float x0 = x0s[x0Off + w], x1 = x1s[x1Off + w];
    float v0 = momentum ? p0s[p0Off + w] : 0.0f, v1 = momentum ? p1s[p1Off + w] : 0.0f;
    int d = crossing ? 2 : lines;
    uint4 b = (uint4)(0u);
    for (int s = stepFrom; s < stepFrom + steps; s++) {
        if (s == stepFrom || (s & 1) == 0) {
            b = philox4x32_10((uint4)((uint) w, 0u, (uint) s >> 1, 0u), (uint2)(seed, WALK_STREAM_NOISE));
        }
        float2 z = (s & 1) ? walk_normals(b.z, b.w) : walk_normals(b.x, b.y);

        // grad U in PotentialForm.gradient's sequence; ties between valleys go to the lowest k.
        float g0 = fma(kq, x0, -kcx), g1 = fma(kq, x1, -kcy);
        if (d > 0) {
            float dx = x0 - px, dy = x1 - py;
            float n0x = crossing ? 1.0f : nx[0], n0y = crossing ? 0.0f : ny[0];
            float bd = fma(n0x, dx, n0y * dy), bnx = n0x, bny = n0y, b2 = bd * bd;
            for (int k = 1; k < d; k++) {
                float nkx = crossing ? 0.0f : nx[k], nky = crossing ? 1.0f : ny[k];
                float dk = fma(nkx, dx, nky * dy), d2 = dk * dk;
                if (d2 < b2) { b2 = d2; bd = dk; bnx = nkx; bny = nky; }
            }
            float sc = twoA * bd;
            g0 = fma(sc, bnx, g0);
            g1 = fma(sc, bny, g1);
        }
        if (momentum) {
            v0 = fma(beta, v0, gw * g0);
            v1 = fma(beta, v1, gw * g1);
        } else {
            v0 = -g0;
            v1 = -g1;
        }
        x0 = walk_wrap(fma(sigma, z.x, fma(dt, v0, x0)), halfWidth, torus);
        x1 = walk_wrap(fma(sigma, z.y, fma(dt, v1, x1)), halfWidth, torus);
    }
    x0s[x0Off + w] = x0;
    x1s[x1Off + w] = x1;
    if (momentum) {
        p0s[p0Off + w] = v0;
        p1s[p1Off + w] = v1;
    }
}

__kernel void langevin_crossing(WALK_SCALARS, float16 nx16, float16 ny16, WALK_BUFFERS) {
    const float none[1] = {0.0f};
    langevin(n, seed, stepFrom, steps, lines, dt, sigma, beta, gw, kq, kcx, kcy, twoA, px, py, halfWidth, torus, momentum,
             none, none, x0s, x0Off, x1s, x1Off, p0s, p0Off, p1s, p1Off, 1);
}

__kernel void langevin_lines(WALK_SCALARS, float16 nx16, float16 ny16, WALK_BUFFERS) {
    WALK_UNPACK16(nx16, nx);
    WALK_UNPACK16(ny16, ny);
    langevin(n, seed, stepFrom, steps, lines, dt, sigma, beta, gw, kq, kcx, kcy, twoA, px, py, halfWidth, torus, momentum,
             nx, ny, x0s, x0Off, x1s, x1Off, p0s, p0Off, p1s, p1Off, 0);
}

__kernel void walkers_uniform(int n, uint seed, float halfWidth, __global float* x0, int x0Off,
                              __global float* x1, int x1Off) {
    int w = get_global_id(0);
    if (w >= n) return;
    uint4 b = philox4x32_10((uint4)((uint) w, 0u, 0u, 0u), (uint2)(seed, WALK_STREAM_INIT));
    float span = 2.0f * halfWidth;
    x0[x0Off + w] = fma(span, walk_uniform(b.x), -halfWidth);
    x1[x1Off + w] = fma(span, walk_uniform(b.y), -halfWidth);
}
