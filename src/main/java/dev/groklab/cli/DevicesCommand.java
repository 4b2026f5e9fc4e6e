package dev.groklab.cli;

import dev.groklab.backend.cpu.Parallel;
import dev.groklab.backend.opencl.OpenClPlatforms;
import jdk.incubator.vector.FloatVector;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Lists every backend: what it runs on, or why it is unavailable. */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List compute devices for every backend (cpu, opencl, cuda) and why any is unavailable.")
final class DevicesCommand implements Callable<Integer> {
    @Override public Integer call() {
        Runtime rt = Runtime.getRuntime();
        System.out.printf("cpu      available   %s, %d threads, %d-bit vectors (%d floats), max heap %d MiB%n",
                System.getProperty("os.arch"), Parallel.threads(), FloatVector.SPECIES_PREFERRED.vectorBitSize(),
                FloatVector.SPECIES_PREFERRED.length(), rt.maxMemory() >> 20);
        OpenClPlatforms.Discovery d = OpenClPlatforms.discover();
        if (!d.available()) {
            System.out.println("opencl   unavailable: " + d.unavailableReason());
        } else {
            String best = OpenClPlatforms.best(d.devices()).id();
            System.out.println("opencl   available   " + d.devices().size() + " device(s) on " + d.platforms().size()
                    + " platform(s); --backend opencl picks " + best);
            for (int p = 0; p < d.platforms().size(); p++) {
                System.out.println("  platform " + p + ": " + d.platforms().get(p));
                for (OpenClPlatforms.DeviceInfo i : d.devices()) {
                    if (i.platform() == p) System.out.println("    " + i.describe());
                }
            }
        }
        dev.groklab.backend.cuda.CudaBackend.Availability cuda = dev.groklab.backend.cuda.CudaBackend.probe();
        System.out.println("cuda     " + (cuda.available() ? "available   " : "") + cuda.line());
        return 0;
    }
}
