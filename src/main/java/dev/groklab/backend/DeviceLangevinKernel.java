package dev.groklab.backend;

import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.walkers.LangevinKernel;
import dev.groklab.walkers.LangevinStep;
import dev.groklab.walkers.Walkers;

/**
 * {@link LangevinKernel} on a device backend for walkers held on the host: uploads the
 * coordinates, runs all the steps in one launch, downloads the result. Walkers that stay on the
 * device call the backend's own {@code langevin} directly.
 */
public final class DeviceLangevinKernel implements LangevinKernel {
    /** A backend's walker launch over device tensors (p0, p1 null without momentum). */
    public interface Launch {
        void langevin(LangevinStep step, Tensor x0, Tensor x1, Tensor p0, Tensor p1, int stepFrom, int steps);
    }

    private final Backend be;
    private final String name;
    private final Launch launch;

    public DeviceLangevinKernel(Backend be, String name, Launch launch) {
        this.be = be;
        this.name = name;
        this.launch = launch;
    }

    @Override public String name() { return name; }

    @Override public void advance(LangevinStep step, Walkers w, int stepFrom, int steps) {
        boolean momentum = step.beta() != 0;
        try (Scope s = Scope.open()) {
            Tensor x0 = be.fromHost(w.x0, w.n), x1 = be.fromHost(w.x1, w.n);
            Tensor p0 = momentum ? be.fromHost(w.p0, w.n) : null, p1 = momentum ? be.fromHost(w.p1, w.n) : null;
            launch.langevin(step, x0, x1, p0, p1, stepFrom, steps);
            System.arraycopy(be.toHost(x0).toFloatArray(), 0, w.x0, 0, w.n);
            System.arraycopy(be.toHost(x1).toFloatArray(), 0, w.x1, 0, w.n);
            if (momentum) {
                System.arraycopy(be.toHost(p0).toFloatArray(), 0, w.p0, 0, w.n);
                System.arraycopy(be.toHost(p1).toFloatArray(), 0, w.p1, 0, w.n);
            }
        }
    }
}
