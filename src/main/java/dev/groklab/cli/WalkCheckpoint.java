package dev.groklab.cli;

import dev.groklab.backend.Backend;
import dev.groklab.backend.Backends;
import dev.groklab.io.RunDirectory;
import dev.groklab.io.Safetensors;
import dev.groklab.tensor.Scope;
import dev.groklab.tensor.Tensor;
import dev.groklab.walkers.ContinuousWalk;
import dev.groklab.walkers.LangevinKernel;
import dev.groklab.walkers.Occupancy;
import dev.groklab.walkers.WalkConfig;
import dev.groklab.walkers.Walkers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A continuous walk's state after step N, as checkpoints/step-N.safetensors: positions and
 * momenta (F32), the histogram's counts (F64, exact below 2⁵³), and the running sums, counters,
 * seconds, kernel and backend as metadata (doubles in Java's round-trip decimal form). Enough to
 * continue the run with the same bits.
 */
final class WalkCheckpoint {
    /** Checkpoints kept per run: the newest and the one before it. */
    static final int KEEP = 2;

    private WalkCheckpoint() {}

    static void write(RunDirectory dir, ContinuousWalk run, String backend, int checkpointEvery) throws IOException {
        Walkers w = run.walkers();
        Occupancy occ = run.occupancy();
        long[] counts = occ.histogram.counts();
        double[] countsF = new double[counts.length];
        for (int i = 0; i < counts.length; i++) countsF[i] = counts[i];
        Occupancy.Sums s = occ.sums();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "groklab-walk-1");
        meta.put("step", Integer.toString(run.done()));
        meta.put("near", Long.toString(s.near()));
        meta.put("samples", Long.toString(s.samples()));
        meta.put("s0", Double.toString(s.s0()));
        meta.put("s1", Double.toString(s.s1()));
        meta.put("q0", Double.toString(s.q0()));
        meta.put("q1", Double.toString(s.q1()));
        meta.put("inside", Long.toString(occ.histogram.inside()));
        meta.put("outside", Long.toString(occ.histogram.outside()));
        meta.put("accepted", Long.toString(run.accepted()));
        meta.put("seconds", Double.toString(run.seconds()));
        meta.put("kernel", run.kernelName());
        meta.put("backend", backend);
        meta.put("checkpoint_every", Integer.toString(checkpointEvery));
        try (Scope _ = Scope.open()) {
            Backend cpu = Backends.cpu();
            Map<String, Tensor> t = new LinkedHashMap<>();
            t.put("x0", cpu.fromHost(w.x0, w.n));
            t.put("x1", cpu.fromHost(w.x1, w.n));
            t.put("p0", cpu.fromHost(w.p0, w.n));
            t.put("p1", cpu.fromHost(w.p1, w.n));
            t.put("histogram", cpu.fromHost(countsF, occ.histogram.bins, occ.histogram.bins));
            Safetensors.write(dir.checkpoint(run.done()), t, meta);
        }
        pruneOlderThan(dir, KEEP);
    }

    /**
     * The recorded kernel name and backend of a checkpoint, to rebuild the same kernel before
     * {@link #read}, and the checkpoint interval the run was started with.
     */
    record Origin(String kernel, String backend, int checkpointEvery) {}

    static Origin origin(Path file) throws IOException {
        Map<String, String> m = Safetensors.read(file).metadata();
        return new Origin(require(m, "kernel", file), require(m, "backend", file), (int) longOf(m, "checkpoint_every", file));
    }

    /** The run c restored from file, continuing on kernel (null for HMC, which needs none). */
    static ContinuousWalk read(Path file, WalkConfig c, LangevinKernel kernel) throws IOException {
        Safetensors.Contents f = Safetensors.read(file);
        Map<String, String> m = f.metadata();
        if (!"groklab-walk-1".equals(m.get("format"))) {
            throw new IllegalArgumentException(file + " is not a walk checkpoint (format " + m.get("format") + ")");
        }
        Walkers w = new Walkers(c.walkers());
        for (String name : List.of("x0", "x1", "p0", "p1")) {
            float[] v = f.floats(name);
            if (v.length != w.n) {
                throw new IllegalArgumentException(file + ": " + name + " holds " + v.length + " walkers, the run has " + w.n);
            }
            float[] dst = switch (name) {
                case "x0" -> w.x0;
                case "x1" -> w.x1;
                case "p0" -> w.p0;
                default -> w.p1;
            };
            System.arraycopy(v, 0, dst, 0, v.length);
        }
        double[] countsF = f.doubles("histogram");
        long[] counts = new long[countsF.length];
        for (int i = 0; i < counts.length; i++) counts[i] = (long) countsF[i];
        Occupancy.Sums sums = new Occupancy.Sums(longOf(m, "near", file), longOf(m, "samples", file),
                doubleOf(m, "s0", file), doubleOf(m, "s1", file), doubleOf(m, "q0", file), doubleOf(m, "q1", file));
        return ContinuousWalk.restore(c, kernel, w, (int) longOf(m, "step", file), sums, counts,
                longOf(m, "inside", file), longOf(m, "outside", file), longOf(m, "accepted", file), doubleOf(m, "seconds", file));
    }

    /** The run's checkpoints, newest first. */
    static List<Path> newestFirst(RunDirectory dir) throws IOException {
        if (!Files.isDirectory(dir.checkpoints())) return List.of();
        try (Stream<Path> s = Files.list(dir.checkpoints())) {
            return s.filter(p -> RunDirectory.checkpointStep(p) >= 0)
                    .sorted((a, b) -> Long.compare(RunDirectory.checkpointStep(b), RunDirectory.checkpointStep(a))).toList();
        }
    }

    /** Deletes all but the {@code keep} newest checkpoints, after a newer one is safely written. */
    private static void pruneOlderThan(RunDirectory dir, int keep) throws IOException {
        List<Path> all = newestFirst(dir);
        for (int i = keep; i < all.size(); i++) Files.deleteIfExists(all.get(i));
    }

    private static String require(Map<String, String> m, String key, Path file) {
        String v = m.get(key);
        if (v == null) throw new IllegalArgumentException(file + ": walk checkpoint lacks '" + key + "'");
        return v;
    }

    private static long longOf(Map<String, String> m, String key, Path file) {
        try {
            return Long.parseLong(require(m, key, file));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": '" + key + "' is not an integer: " + m.get(key));
        }
    }

    private static double doubleOf(Map<String, String> m, String key, Path file) {
        try {
            return Double.parseDouble(require(m, key, file));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": '" + key + "' is not a number: " + m.get(key));
        }
    }
}
