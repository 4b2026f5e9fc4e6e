// cuGetErrorName for the stand-in driver libraries (libcuda_stub.c, cuda_on_cpu/driver.cpp): the
// names of the results they return; any other code is unknown, as the real driver answers for
// codes it does not define.
#pragma once
#include <cuda.h>
#include <stddef.h>

CUresult CUDAAPI cuGetErrorName(CUresult error, const char** s) {
    switch (error) {
#define GL_NAME(code) case code: *s = #code; break;
        GL_NAME(CUDA_SUCCESS)
        GL_NAME(CUDA_ERROR_INVALID_VALUE)
        GL_NAME(CUDA_ERROR_OUT_OF_MEMORY)
        GL_NAME(CUDA_ERROR_INVALID_CONTEXT)
        GL_NAME(CUDA_ERROR_INVALID_HANDLE)
        GL_NAME(CUDA_ERROR_NOT_FOUND)
        GL_NAME(CUDA_ERROR_ILLEGAL_ADDRESS)
        GL_NAME(CUDA_ERROR_ILLEGAL_STATE)
        GL_NAME(CUDA_ERROR_ILLEGAL_INSTRUCTION)
        GL_NAME(CUDA_ERROR_MISALIGNED_ADDRESS)
        GL_NAME(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED)
#undef GL_NAME
        default: *s = NULL; return CUDA_ERROR_INVALID_VALUE;
    }
    return CUDA_SUCCESS;
}
