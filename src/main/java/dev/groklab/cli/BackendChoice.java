package dev.groklab.cli;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;

/** Resolves --backend to a backend, or says in one line why it cannot run here. */
final class BackendChoice {
    static final String ALLOWED = "auto, cpu, opencl[:P:D], cuda";

    private BackendChoice() {}

    static Backend resolve(String name) {
        String n = name == null ? "auto" : name.trim().toLowerCase();
        if (n.equals("auto") || n.equals("cpu")) return Backends.cpu();
        if (n.equals("opencl") || n.startsWith("opencl:")) {
            throw new Errors.BadInput("--backend " + name + ": unavailable: the OpenCL backend is not built yet (allowed now: auto, cpu)");
        }
        if (n.equals("cuda") || n.startsWith("cuda:")) {
            throw new Errors.BadInput("--backend " + name + ": unavailable: the CUDA backend is not built yet (allowed now: auto, cpu)");
        }
        throw new Errors.BadInput("--backend: unknown '" + name + "' (allowed: " + ALLOWED + ")");
    }
}
