package dev.groklab.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One run's output folder: config.json, metrics.csv, summary.json, curves.png and checkpoints/.
 * A new run never writes into a folder that already holds files, so results are never mixed;
 * resuming reopens an existing folder on purpose.
 */
public final class RunDirectory {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private static final Pattern CHECKPOINT = Pattern.compile("step-(\\d+)\\.safetensors");
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._+=,-]+");

    private final Path dir;
    private final boolean resumed;

    private RunDirectory(Path dir, boolean resumed) {
        this.dir = dir;
        this.resumed = resumed;
    }

    /** Creates {@code root/<name>-<yyyyMMdd-HHmmss>} (local time), adding "-2", "-3", … on a clash. */
    public static RunDirectory create(Path root, String name) throws IOException {
        return create(root, name, Clock.systemDefaultZone());
    }

    public static RunDirectory create(Path root, String name, Clock clock) throws IOException {
        if (name == null || !SAFE_NAME.matcher(name).matches() || name.startsWith(".")) {
            throw new IllegalArgumentException("run name '" + name + "' must be non-empty and use only letters, digits and . _ + = , -"
                    + " (not starting with '.')");
        }
        Files.createDirectories(root);
        String base = name + "-" + LocalDateTime.now(clock).format(STAMP);
        for (int k = 1; ; k++) {
            Path d = root.resolve(k == 1 ? base : base + "-" + k);
            try {
                Files.createDirectory(d); // atomic: concurrent sweeps never share a folder
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            Files.createDirectories(d.resolve("checkpoints"));
            return new RunDirectory(d, false);
        }
    }

    /**
     * Uses the given folder. A new run ({@code resume} false) needs it absent or empty; resuming
     * needs it to exist.
     */
    public static RunDirectory open(Path dir, boolean resume) throws IOException {
        if (resume) {
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("cannot resume: run directory " + dir + " does not exist");
            }
        } else if (Files.exists(dir)) {
            if (!Files.isDirectory(dir)) throw new IllegalArgumentException("run directory " + dir + " is a file");
            List<String> present;
            try (Stream<Path> s = Files.list(dir)) {
                present = s.map(p -> p.getFileName().toString()).sorted().limit(5).toList();
            }
            if (!present.isEmpty()) {
                throw new IllegalArgumentException("run directory " + dir + " is not empty (" + String.join(", ", present)
                        + (present.size() == 5 ? ", …" : "") + "); choose another directory or resume the run");
            }
        }
        Files.createDirectories(dir.resolve("checkpoints"));
        return new RunDirectory(dir, resume);
    }

    public Path dir() { return dir; }

    /** True when opened to resume an earlier run. */
    public boolean resumed() { return resumed; }

    public Path config() { return dir.resolve("config.json"); }

    public Path metrics() { return dir.resolve("metrics.csv"); }

    public Path summary() { return dir.resolve("summary.json"); }

    public Path curves() { return dir.resolve("curves.png"); }

    public Path checkpoints() { return dir.resolve("checkpoints"); }

    /** checkpoints/step-0000001000.safetensors: zero-padded so names sort by step. */
    public Path checkpoint(long step) {
        if (step < 0) throw new IllegalArgumentException("checkpoint step " + step + " is negative");
        return checkpoints().resolve(String.format(java.util.Locale.ROOT, "step-%010d.safetensors", step));
    }

    /** The checkpoint with the largest step, if any. */
    public Optional<Path> latestCheckpoint() throws IOException {
        if (!Files.isDirectory(checkpoints())) return Optional.empty();
        Path best = null;
        long bestStep = -1;
        try (Stream<Path> s = Files.list(checkpoints())) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Matcher m = CHECKPOINT.matcher(p.getFileName().toString());
                if (!m.matches()) continue;
                long step;
                try {
                    step = Long.parseLong(m.group(1));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (step > bestStep) { bestStep = step; best = p; }
            }
        }
        return Optional.ofNullable(best);
    }

    /** The step of a checkpoint path written by {@link #checkpoint(long)}, or −1. */
    public static long checkpointStep(Path checkpoint) {
        Matcher m = CHECKPOINT.matcher(checkpoint.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    // ---- provenance ---------------------------------------------------------------------------

    /** The commit checked out in the working directory's repository, or "unknown". */
    public static String gitCommit() {
        return gitCommit(Path.of("").toAbsolutePath());
    }

    /**
     * The commit checked out in the repository containing {@code start}, read from .git (HEAD,
     * loose refs, packed-refs; worktrees and submodules through "gitdir:" files) without running
     * git. "unknown" when there is no repository or it cannot be read.
     */
    public static String gitCommit(Path start) {
        try {
            Path gitDir = findGitDir(start.toAbsolutePath().normalize());
            if (gitDir == null) return "unknown";
            Path common = gitDir;
            Path commonFile = gitDir.resolve("commondir");
            if (Files.isRegularFile(commonFile)) common = gitDir.resolve(readTrimmed(commonFile)).normalize();
            String head = readTrimmed(gitDir.resolve("HEAD"));
            for (int depth = 0; depth < 10; depth++) {
                if (!head.startsWith("ref:")) return isHash(head) ? head : "unknown";
                String ref = head.substring(4).trim();
                String next = readRef(gitDir, common, ref);
                if (next == null) return "unknown";
                head = next;
            }
            return "unknown";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static Path findGitDir(Path start) throws IOException {
        for (Path p = start; p != null; p = p.getParent()) {
            Path g = p.resolve(".git");
            if (Files.isDirectory(g)) return g;
            if (Files.isRegularFile(g)) {
                String s = readTrimmed(g);
                if (s.startsWith("gitdir:")) return p.resolve(s.substring(7).trim()).normalize();
            }
        }
        return null;
    }

    private static String readRef(Path gitDir, Path common, String ref) throws IOException {
        if (ref.contains("..")) return null;
        for (Path base : new Path[]{gitDir, common}) {
            Path f = base.resolve(ref);
            if (Files.isRegularFile(f)) return readTrimmed(f);
        }
        Path packed = common.resolve("packed-refs");
        if (Files.isRegularFile(packed)) {
            for (String line : Files.readAllLines(packed, StandardCharsets.UTF_8)) {
                if (line.startsWith("#") || line.startsWith("^")) continue;
                int sp = line.indexOf(' ');
                if (sp > 0 && line.substring(sp + 1).trim().equals(ref)) return line.substring(0, sp).trim();
            }
        }
        return null;
    }

    private static String readTrimmed(Path f) throws IOException {
        return Files.readString(f, StandardCharsets.UTF_8).trim();
    }

    private static boolean isHash(String s) {
        return (s.length() == 40 || s.length() == 64) && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    @Override public String toString() { return dir.toString(); }
}
