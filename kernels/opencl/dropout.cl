// Dropout mask from Philox4x32-10 keyed by (seed, stream), counter (block, counter): element i is
// lane i % 4 of block i / 4, uniform u = (bits >> 8) * 2^-24, and the element is 0 when u < p,
// else keep. The host passes threshold = ceil(p * 2^24), so the test is exact integer arithmetic
// and the mask equals the CPU's bit for bit.

__kernel void dropout_mask(int n, uint seed, uint stream, uint counterLo, uint counterHi,
                           uint threshold, float keep, __global float* mask, int maskOff) {
    int blk = get_global_id(0);
    int i0 = blk * 4;
    if (i0 >= n) return;
    uint4 bits = philox4x32_10((uint4)((uint) blk, 0u, counterLo, counterHi), (uint2)(seed, stream));
    uint lanes[4] = {bits.x, bits.y, bits.z, bits.w};
    for (int l = 0; l < 4 && i0 + l < n; l++) {
        mask[maskOff + i0 + l] = (lanes[l] >> 8) < threshold ? 0.0f : keep;
    }
}
