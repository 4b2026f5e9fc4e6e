package dev.groklab.cli;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.backend.opencl.OpenClBackend;
import dev.groklab.backend.opencl.OpenClException;

/** Resolves --backend to a backend, or says in one line why it cannot run here. */
final class BackendChoice {
    static final String ALLOWED = "auto, cpu, opencl[:P:D], cuda";

    private BackendChoice() {}

    static Backend resolve(String name) {
        String n = name == null ? "auto" : name.trim().toLowerCase();
        if (n.equals("auto") || n.equals("cpu")) return Backends.cpu();
        if (n.equals("opencl") || n.startsWith("opencl:")) {
            try {
                return OpenClBackend.open(n);
            } catch (OpenClException.Unavailable e) {
                throw new Errors.BadInput("--backend " + name + ": unavailable: " + e.reason());
            }
        }
        if (n.equals("cuda") || n.startsWith("cuda:")) return cuda(name, n);
        throw new Errors.BadInput("--backend: unknown '" + name + "' (allowed: " + ALLOWED + ")");
    }

    /** cuda or cuda:N (device ordinal), through the driver binding of groklab.cuda.driver. */
    private static Backend cuda(String name, String n) {
        int ordinal = 0;
        if (n.startsWith("cuda:")) {
            try {
                ordinal = Integer.parseInt(n.substring(5));
            } catch (NumberFormatException e) {
                throw new Errors.BadInput("--backend " + name + ": want cuda or cuda:N with N a device number");
            }
        }
        String driver = dev.groklab.backend.cuda.CudaBackend.defaultDriver();
        dev.groklab.backend.cuda.CudaBackend.Availability a = dev.groklab.backend.cuda.CudaBackend.probe(driver);
        if (!a.available()) throw new Errors.BadInput("--backend " + name + ": unavailable: " + a.reason());
        try {
            return dev.groklab.backend.cuda.CudaBackend.get(driver, ordinal);
        } catch (IllegalStateException e) {
            throw new Errors.BadInput("--backend " + name + ": " + e.getMessage().replaceFirst("^cuda: ", ""));
        }
    }
}
