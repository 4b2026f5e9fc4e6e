package dev.groklab.backend.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The stand-in driver library src/test/native/libcuda_stub.c: building it (with the C compiler and
 * the CUDA toolkit's cuda.h, when this machine has both) and its test hooks (call log, injected
 * failures, the parameter bytes of the last launch), reached through FFM.
 */
final class CudaStub {
    static final Path SOURCE = Path.of("src/test/native/libcuda_stub.c");

    private final MethodHandle log, clear, fail, paramSizes, launchBytes;

    CudaStub(SymbolLookup l) {
        Linker linker = Linker.nativeLinker();
        log = linker.downcallHandle(l.find("stub_log").orElseThrow(), FunctionDescriptor.of(ADDRESS));
        clear = linker.downcallHandle(l.find("stub_log_clear").orElseThrow(), FunctionDescriptor.ofVoid());
        fail = linker.downcallHandle(l.find("stub_fail").orElseThrow(), FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
        paramSizes = linker.downcallHandle(l.find("stub_param_sizes").orElseThrow(), FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS));
        launchBytes = linker.downcallHandle(l.find("stub_launch_bytes").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    /** The hooks of the stub loaded from {@code library} (a path, or a name for the dynamic loader). */
    static CudaStub of(String library) {
        SymbolLookup l = library.contains("/") ? SymbolLookup.libraryLookup(Path.of(library), Arena.global())
                : SymbolLookup.libraryLookup(library, Arena.global());
        return new CudaStub(l);
    }

    /** The toolkit's include directory holding cuda.h, or null. */
    static Path cudaInclude() {
        List<Path> candidates = new ArrayList<>();
        for (String env : new String[]{"CUDA_HOME", "CUDA_PATH"}) {
            String v = System.getenv(env);
            if (v != null && !v.isBlank()) candidates.add(Path.of(v, "include"));
        }
        candidates.add(Path.of("/usr/local/cuda/include"));
        for (Path p : candidates) if (Files.isRegularFile(p.resolve("cuda.h"))) return p;
        return null;
    }

    /** A C compiler on the PATH (cc, gcc or clang), or null. */
    static String compiler() { return onPath("cc", "gcc", "clang"); }

    /** The first of {@code tools} found on the PATH, as a path, or null. */
    static String onPath(String... tools) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String tool : tools) {
            for (String dir : path.split(":")) if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return Path.of(dir, tool).toString();
        }
        return null;
    }

    /** Why the stub cannot be built here, or null when it can. */
    static String unavailable() {
        if (!Files.isRegularFile(SOURCE)) return SOURCE + " not found (run from the project root)";
        if (compiler() == null) return "no C compiler (cc, gcc, clang) on the PATH";
        if (cudaInclude() == null) return "no cuda.h (CUDA toolkit) in $CUDA_HOME/include or /usr/local/cuda/include";
        return null;
    }

    /** Compiles the stub into {@code dir}/libcuda.so.1 and returns its path. */
    static Path build(Path dir) throws IOException, InterruptedException {
        Path out = dir.resolve("libcuda.so.1");
        Process p = new ProcessBuilder(compiler(), "-shared", "-fPIC", "-O1", "-Wall", "-Wno-unused-function",
                "-I", cudaInclude().toString(), "-o", out.toString(), SOURCE.toString()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("compiling " + SOURCE + " against " + cudaInclude() + "/cuda.h failed:\n" + output);
        }
        return out;
    }

    String log() {
        try {
            return ((MemorySegment) log.invokeExact()).reinterpret(1 << 16).getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) { throw new IllegalStateException(t); }
    }

    void clearLog() {
        try { clear.invokeExact(); } catch (Throwable t) { throw new IllegalStateException(t); }
    }

    /** The next call of {@code function} (its exported name) returns {@code code}. */
    void failNext(String function, int code) {
        try (Arena a = Arena.ofConfined()) {
            fail.invokeExact(a.allocateFrom(function), code);
        } catch (Throwable t) { throw new IllegalStateException(t); }
    }

    /** Byte sizes of the parameters of the launches that follow (what the kernel's signature would say). */
    void paramSizes(int... sizes) {
        try (Arena a = Arena.ofConfined()) {
            paramSizes.invokeExact(sizes.length, a.allocateFrom(JAVA_INT, sizes));
        } catch (Throwable t) { throw new IllegalStateException(t); }
    }

    /** The parameter bytes of the last launch, concatenated. */
    byte[] launchBytes() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(8192);
            int n = (int) launchBytes.invokeExact(buf, 8192);
            return buf.asSlice(0, n).toArray(JAVA_BYTE);
        } catch (Throwable t) { throw new IllegalStateException(t); }
    }
}
