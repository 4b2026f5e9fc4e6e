package dev.groklab.cli;

import dev.groklab.backend.cpu.Parallel;
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
        System.out.println("opencl   unavailable: the OpenCL backend is not built yet");
        System.out.println("cuda     unavailable: the CUDA backend is not built yet");
        return 0;
    }
}
