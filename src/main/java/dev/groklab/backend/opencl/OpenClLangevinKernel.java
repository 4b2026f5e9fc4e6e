package dev.groklab.backend.opencl;

import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.walkers.LangevinKernel;
import dev.groklab.walkers.LangevinStep;
import dev.groklab.walkers.Walkers;

/**
 * {@link LangevinKernel} on an OpenCL device for walkers held on the host: uploads the
 * coordinates, runs all the steps in one launch, downloads the result. For walkers that stay on
 * the device use {@link OpenClBackend#langevin} directly.
 */
public final class OpenClLangevinKernel implements LangevinKernel {
    private final OpenClBackend be;

    public OpenClLangevinKernel(OpenClBackend be) { this.be = be; }

    @Override public String name() { return "opencl"; }

    @Override public void advance(LangevinStep step, Walkers w, int stepFrom, int steps) {
        boolean momentum = step.beta() != 0;
        try (Scope s = Scope.open()) {
            Tensor x0 = be.fromHost(w.x0, w.n), x1 = be.fromHost(w.x1, w.n);
            Tensor p0 = momentum ? be.fromHost(w.p0, w.n) : null, p1 = momentum ? be.fromHost(w.p1, w.n) : null;
            be.langevin(step, x0, x1, p0, p1, stepFrom, steps);
            System.arraycopy(be.toHost(x0).toFloatArray(), 0, w.x0, 0, w.n);
            System.arraycopy(be.toHost(x1).toFloatArray(), 0, w.x1, 0, w.n);
            if (momentum) {
                System.arraycopy(be.toHost(p0).toFloatArray(), 0, w.p0, 0, w.n);
                System.arraycopy(be.toHost(p1).toFloatArray(), 0, w.p1, 0, w.n);
            }
        }
    }
}
