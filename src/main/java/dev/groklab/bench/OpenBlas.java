package dev.groklab.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The system OpenBLAS through the foreign-function API: the peer our kernels are measured
 * against. Loaded once; when the library or a symbol is missing, {@link #available()} is false
 * and {@link #reason()} says why. The path can be forced with {@code -Dgroklab.openblas=PATH}.
 */
public final class OpenBlas {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;
    private static final String[] CANDIDATES = {
            "libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/openblas-serial/libopenblas.so.0",
            "libopenblas.so",
    };

    private static final MethodHandle SGEMM, SET_THREADS, GET_THREADS, CONFIG;
    private static final String LOADED, REASON;

    static {
        MethodHandle sgemm = null, setThreads = null, getThreads = null, config = null;
        String loaded = null, reason = null;
        List<String> tried = new ArrayList<>();
        String forced = System.getProperty("groklab.openblas");
        List<String> names = new ArrayList<>();
        if (forced != null && !forced.isBlank()) names.add(forced);
        else names.addAll(List.of(CANDIDATES));
        SymbolLookup lookup = null;
        for (String name : names) {
            try {
                lookup = SymbolLookup.libraryLookup(name, Arena.global());
                loaded = name;
                break;
            } catch (IllegalArgumentException | IllegalCallerException e) {
                tried.add(name + " (" + e.getMessage() + ")");
            }
        }
        if (lookup == null) {
            reason = "libopenblas not found; tried " + String.join(", ", tried);
        } else {
            Linker linker = Linker.nativeLinker();
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            ValueLayout.OfFloat f = ValueLayout.JAVA_FLOAT;
            var p = ValueLayout.ADDRESS;
            Optional<MemorySegment> gemm = lookup.find("cblas_sgemm");
            if (gemm.isEmpty()) {
                reason = loaded + " has no cblas_sgemm";
            } else {
                sgemm = linker.downcallHandle(gemm.get(),
                        FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, p, i, p, i, f, p, i));
                setThreads = lookup.find("openblas_set_num_threads")
                        .map(s -> linker.downcallHandle(s, FunctionDescriptor.ofVoid(i))).orElse(null);
                getThreads = lookup.find("openblas_get_num_threads")
                        .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(i))).orElse(null);
                config = lookup.find("openblas_get_config")
                        .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(p))).orElse(null);
            }
        }
        SGEMM = sgemm; SET_THREADS = setThreads; GET_THREADS = getThreads; CONFIG = config;
        LOADED = sgemm == null ? null : loaded;
        REASON = reason;
    }

    private OpenBlas() {}

    public static boolean available() { return SGEMM != null; }

    /** Why OpenBLAS is unavailable; null when it is available. */
    public static String reason() { return REASON; }

    /** The library name or path that was loaded. */
    public static String library() { return LOADED; }

    /** OpenBLAS's build description (version, target core, threading), or "" when unknown. */
    public static String config() {
        if (CONFIG == null) return "";
        try {
            MemorySegment s = (MemorySegment) CONFIG.invokeExact();
            return s.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return "";
        }
    }

    /** Sets OpenBLAS's thread count; false when the library does not export the setter. */
    public static boolean setThreads(int threads) {
        if (SET_THREADS == null) return false;
        try {
            SET_THREADS.invokeExact(threads);
            return true;
        } catch (Throwable t) {
            throw new IllegalStateException("openblas_set_num_threads failed", t);
        }
    }

    /** OpenBLAS's thread count, or -1 when unknown. */
    public static int threads() {
        if (GET_THREADS == null) return -1;
        try {
            return (int) GET_THREADS.invokeExact();
        } catch (Throwable t) {
            return -1;
        }
    }

    /**
     * Row-major C[m×n] = alpha·op(A)·op(B) + beta·C with cblas leading dimensions (elements). The
     * segments must be native and start at the matrices' first elements.
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                             MemorySegment a, int lda, MemorySegment b, int ldb, float beta,
                             MemorySegment c, int ldc) {
        if (SGEMM == null) throw new IllegalStateException("OpenBLAS unavailable: " + REASON);
        try {
            SGEMM.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, alpha,
                    a, lda, b, ldb, beta, c, ldc);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cblas_sgemm failed", t);
        }
    }
}
