package dev.groklab.backend;

import dev.groklab.tensor.Device;
import dev.groklab.tensor.Tensor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Maps devices to their backends, so a tensor's device is enough to find its kernels. */
public final class Backends {
    private static final Map<Device, Backend> BY_DEVICE = new ConcurrentHashMap<>();

    private Backends() {}

    public static void register(Backend backend) { BY_DEVICE.put(backend.device(), backend); }

    public static Backend of(Device device) {
        Backend b = BY_DEVICE.get(device);
        if (b == null) {
            if (device.kind() == Device.Kind.CPU) return cpu();
            throw new IllegalStateException("no backend is registered for device " + device);
        }
        return b;
    }

    public static Backend of(Tensor t) { return of(t.device()); }

    public static Backend cpu() {
        return BY_DEVICE.computeIfAbsent(Device.CPU, d -> dev.groklab.backend.cpu.CpuBackend.get());
    }
}
