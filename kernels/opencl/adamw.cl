// One fused AdamW step over dense p, g, m, v of n elements whose leading axis is the model axis:
// element i belongs to model i / per and uses hyper[model] (lr) and hyper[models + model] (wd).
// Decoupled decay pulls p toward target (or zero) before the Adam update.
__kernel void adamw(int n, int per, int models,
                    __global float* p, int pOff, __global const float* g, int gOff,
                    __global float* m, int mOff, __global float* v, int vOff,
                    __global const float* target, int tOff, int hasTarget,
                    __global const float* hyper,
                    float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                    float eps, float bc1, float bc2) {
    int i = get_global_id(0);
    if (i >= n) return;
    int model = i / per;
    float lr = hyper[model], wd = hyper[models + model];
    float pi = p[pOff + i], gi = g[gOff + i];
    float center = hasTarget ? target[tOff + i] : 0.0f;
    pi -= lr * wd * (pi - center);
    float mi = beta1 * m[mOff + i] + oneMinusBeta1 * gi;
    float vi = beta2 * v[vOff + i] + oneMinusBeta2 * gi * gi;
    pi -= lr * (mi / bc1) / (sqrt(vi / bc2) + eps);
    m[mOff + i] = mi;
    v[vOff + i] = vi;
    p[pOff + i] = pi;
}
