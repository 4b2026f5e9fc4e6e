package dev.groklab.cli;

import dev.groklab.backend.Backend;
import dev.groklab.backend.cuda.CudaBackend;
import dev.groklab.backend.opencl.OpenClBackend;
import dev.groklab.walkers.Dynamics;
import dev.groklab.walkers.LangevinKernel;

/** walk --backend: the device's LangevinKernel, or null on the CPU (where --kernel picks one). */
final class WalkBackend {
    private WalkBackend() {}

    static boolean onCpu(String backend) {
        String n = backend == null ? "cpu" : backend.trim().toLowerCase();
        return n.equals("cpu") || n.equals("auto");
    }

    /**
     * Checks the combination before any device is opened: device kernels run Brownian and SGD
     * steps only, and --kernel names a CPU kernel.
     */
    static LangevinKernel kernel(String backend, Dynamics dynamics, String explicitKernel) {
        if (onCpu(backend)) return null;
        if (!dynamics.usesLangevinKernel()) {
            throw new Errors.BadInput("--backend " + backend + ": device kernels run " + Dynamics.langevinLabels()
                    + " dynamics; " + dynamics.label() + " runs on the cpu only (use --backend cpu)");
        }
        if (explicitKernel != null && !explicitKernel.equals("auto")) {
            throw new Errors.BadInput("--kernel " + explicitKernel + " picks a CPU kernel; with --backend " + backend
                    + " the device kernel runs (leave --kernel out)");
        }
        Backend be = BackendChoice.resolve(backend);
        return switch (be) {
            case OpenClBackend cl -> cl.hostWalkers();
            case CudaBackend cuda -> cuda.hostWalkers();
            default -> null;
        };
    }
}
