// One fused SGD step: L2 decay coupled into the gradient, optional momentum (buf = g on the first
// step) and Nesterov look-ahead. Per-model lr and wd as in adamw.cl.
__kernel void sgd(int n, int per, int models,
                  __global float* p, int pOff, __global const float* g, int gOff,
                  __global float* buf, int bOff, int hasMomentum,
                  __global const float* target, int tOff, int hasTarget,
                  __global const float* hyper,
                  float momentum, float oneMinusDampening, int nesterov, int firstStep) {
    int i = get_global_id(0);
    if (i >= n) return;
    int model = i / per;
    float lr = hyper[model], wd = hyper[models + model];
    float pi = p[pOff + i];
    float gi = g[gOff + i] + wd * (pi - (hasTarget ? target[tOff + i] : 0.0f));
    if (hasMomentum) {
        float b = firstStep ? gi : momentum * buf[bOff + i] + oneMinusDampening * gi;
        buf[bOff + i] = b;
        gi = nesterov ? gi + momentum * b : b;
    }
    p[pOff + i] = pi - lr * gi;
}
