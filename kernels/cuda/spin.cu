// spin: keeps one SM busy for `cycles` SM clock cycles. CudaBackend.profile launches it before a
// profiled step so that the step's launches queue up behind it and then run back to back: the
// events between them time the GPU's work, not the host's launch rate.
// Launch: 1 block of 1 thread.
#include "common.cuh"

extern "C" __global__ void spin(long long cycles) {
    const long long t0 = clock64();
    while (clock64() - t0 < cycles) {
    }
}
