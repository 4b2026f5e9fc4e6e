// Helpers prepended to every kernel file of the OpenCL backend.
//
// A strided view is (rank, shape, stride) with axes stored innermost first in the components of
// an int8, so rank <= 8 and no small buffer has to be uploaded per launch. The host merges
// mergeable axes first, so a dense tensor arrives as rank 1.
//
// Elementwise kernels run on a 3-D range: dimension 0 walks the innermost axis, dimension 1 the
// next one (no division for either), dimension 2 the remaining axes, decomposed into coordinates
// once per work-item and shared by every tensor. EW_INDEX gives the storage index of tensor t.
#define EW_PARAMS int inner, int mid, int outer, int rank, int8 shape
#define EW_TENSOR(type, t) type t, int t##Off, int t##Inner, int t##Mid, int8 t##Stride
#define EW_BEGIN \
    int q_ = get_global_id(0), p_ = get_global_id(1), o_ = get_global_id(2); \
    if (q_ >= inner || p_ >= mid || o_ >= outer) return; \
    int8 c_ = coords(o_, rank, shape);
#define EW_INDEX(t) (t##Off + dot8(c_, t##Stride) + p_ * t##Mid + q_ * t##Inner)

#define STRIDED_AXIS(k, c) \
    if (rank == k + 1) return idx + flat * stride.c; \
    idx += (flat % shape.c) * stride.c; \
    flat /= shape.c;

// Storage offset (relative to the view's offset) of logical row-major index `flat`.
inline int strided_index(int flat, int rank, int8 shape, int8 stride) {
    int idx = 0;
    if (rank <= 0) return 0;
    STRIDED_AXIS(0, s0)
    STRIDED_AXIS(1, s1)
    STRIDED_AXIS(2, s2)
    STRIDED_AXIS(3, s3)
    STRIDED_AXIS(4, s4)
    STRIDED_AXIS(5, s5)
    STRIDED_AXIS(6, s6)
    return idx + flat * stride.s7;
}

#define COORD_AXIS(k, c) \
    if (rank == k + 1) { r.c = flat; return r; } \
    r.c = flat % shape.c; \
    flat /= shape.c;

// Coordinates of logical row-major index `flat` (innermost first).
inline int8 coords(int flat, int rank, int8 shape) {
    int8 r = (int8)(0);
    if (rank <= 0) return r;
    COORD_AXIS(0, s0)
    COORD_AXIS(1, s1)
    COORD_AXIS(2, s2)
    COORD_AXIS(3, s3)
    COORD_AXIS(4, s4)
    COORD_AXIS(5, s5)
    COORD_AXIS(6, s6)
    r.s7 = flat;
    return r;
}

inline int dot8(int8 c, int8 s) {
    int8 p = c * s;
    return p.s0 + p.s1 + p.s2 + p.s3 + p.s4 + p.s5 + p.s6 + p.s7;
}

// Work-group reductions over get_local_size(0) lanes (a power of two); every lane gets the result.
inline float group_sum(float v, __local float* scratch) {
    int lid = get_local_id(0), n = get_local_size(0);
    scratch[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int h = n >> 1; h > 0; h >>= 1) {
        if (lid < h) scratch[lid] += scratch[lid + h];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

inline float group_max(float v, __local float* scratch) {
    int lid = get_local_id(0), n = get_local_size(0);
    scratch[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int h = n >> 1; h > 0; h >>= 1) {
        if (lid < h) scratch[lid] = fmax(scratch[lid], scratch[lid + h]);
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float r = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

// Bad indices found on the device are reported through a small error buffer that the host reads
// at its next synchronization: err[0] = code (first error wins), err[1] = the value, err[2] = the bound.
#define ERR_GATHER_INDEX 1
#define ERR_SCATTER_INDEX 2
#define ERR_TARGET 3

inline void report_error(__global int* err, int code, int value, int bound) {
    if (atomic_cmpxchg(err, 0, code) == 0) {
        err[1] = value;
        err[2] = bound;
    }
}

// Philox4x32-10, identical to dev.groklab.rng.Philox: counter (c.x, c.y, c.z, c.w), key
// (seed, stream), the key bumped after every round.
inline uint4 philox4x32_10(uint4 c, uint2 key) {
    for (int r = 0; r < 10; r++) {
        uint lo0 = 0xD2511F53u * c.x, hi0 = mul_hi(0xD2511F53u, c.x);
        uint lo1 = 0xCD9E8D57u * c.z, hi1 = mul_hi(0xCD9E8D57u, c.z);
        c = (uint4)(hi1 ^ c.y ^ key.x, lo1, hi0 ^ c.w ^ key.y, lo0);
        key.x += 0x9E3779B9u;
        key.y += 0xBB67AE85u;
    }
    return c;
}
