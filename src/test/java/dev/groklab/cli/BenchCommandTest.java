package dev.groklab.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest {
    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private static void badInput(String option, String... args) {
        Result r = run(args);
        assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
        String first = r.err().strip().lines().findFirst().orElse("");
        assertTrue(first.contains(option), "names the option: " + r.err());
        // Through the groklab entry point: one clear line plus the pointer to --help.
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "bench";
        System.arraycopy(args, 0, all, 1, args.length);
        assertEquals(2, Main.run(new PrintWriter(err, true), all));
        assertTrue(err.toString().contains(option), err.toString());
        assertTrue(err.toString().strip().lines().count() <= 2, "one clear line: " + err);
    }

    @Test void unknownBackendKernelOrShapesExitTwoNamingTheOption() {
        badInput("--backend", "--backend", "tpu");
        badInput("--kernel", "--kernel", "conv");
        badInput("--shapes", "--shapes", "cubes");
        badInput("--threads", "--threads", "0");
        badInput("--sizes", "--sizes", "64,x");
        badInput("--walkers", "--kernel", "walkers", "--walkers", "0");
    }

    @Test void backendMessageListsTheAllowedValues() {
        Result r = run("--backend", "tpu");
        assertTrue(r.err().contains("cpu") && r.err().contains("opencl") && r.err().contains("cuda"), r.err());
    }

    @Test void openClRunPutsEachKernelNextToTheCpuBackend() {
        dev.groklab.backend.opencl.OpenClTesting.backend();
        Result r = run("--backend", "opencl", "--kernel", "matmul", "--sizes", "48", "--shapes", "square", "--quick");
        assertEquals(0, r.code(), r.err());
        String row = r.out().lines().filter(l -> l.startsWith("48³")).findFirst().orElseThrow(() -> new AssertionError(r.out()));
        // ms, GFLOP/s for OpenCL, then for the CPU backend, then the ratio; the two results agree.
        assertTrue(r.out().contains("CPU ms"), r.out());
        assertTrue(row.matches(".*\\d+%$"), "ends with the ratio: " + row);
        Result k = run("--backend", "opencl", "--kernel", "adamw", "--quick");
        assertEquals(0, k.code(), k.err());
        assertTrue(k.out().lines().anyMatch(l -> l.startsWith("adamw") && l.trim().endsWith("x")), k.out());
    }

    @Test void quickMatmulRunPrintsARowPerSize() {
        Result r = run("--kernel", "matmul", "--sizes", "32,48", "--shapes", "square", "--quick");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("32³")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("48³")), r.out());
        assertTrue(r.out().contains("OpenBLAS"), "says whether OpenBLAS ran: " + r.out());
    }

    @Test void walkerRowsPutTheDeviceNextToTheCpuSimdKernel() {
        Result c = run("--kernel", "walkers", "--walkers", "2001", "--quick");
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().lines().anyMatch(l -> l.startsWith("cpu simd") && l.contains("2001") && l.contains(" 1.00x")), c.out());
        // The PyTorch CPU peer runs in the same command, or one line says why it could not.
        assertTrue(c.out().lines().anyMatch(l -> l.startsWith("PyTorch CPU, ") || l.startsWith("PyTorch CPU peer ")), c.out());
        dev.groklab.backend.opencl.OpenClTesting.backend();
        Result r = run("--backend", "opencl", "--kernel", "walkers", "--walkers", "2001", "--quick");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("opencl, float Box-Muller") && l.trim().endsWith("x")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("cpu simd")), r.out());
    }
}
