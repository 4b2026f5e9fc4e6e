package dev.groklab.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunDirectoryTest {
    @TempDir Path tmp;
    private static final String SHA = "0123456789abcdef0123456789abcdef01234567";
    private static final String SHA2 = "fedcba9876543210fedcba9876543210fedcba98";

    @Test void createsTimestampedDirectoriesWithoutClashes() throws IOException {
        Clock clock = Clock.fixed(Instant.parse("2025-03-04T05:06:07Z"), ZoneOffset.UTC);
        RunDirectory a = RunDirectory.create(tmp.resolve("runs"), "grok-add", clock);
        RunDirectory b = RunDirectory.create(tmp.resolve("runs"), "grok-add", clock);
        assertEquals("grok-add-20250304-050607", a.dir().getFileName().toString());
        assertEquals("grok-add-20250304-050607-2", b.dir().getFileName().toString());
        assertTrue(Files.isDirectory(a.checkpoints()));
        assertEquals(a.dir().resolve("config.json"), a.config());
        assertEquals(a.dir().resolve("metrics.csv"), a.metrics());
        assertEquals(a.dir().resolve("summary.json"), a.summary());
        assertEquals(a.dir().resolve("curves.png"), a.curves());
        assertThrows(IllegalArgumentException.class, () -> RunDirectory.create(tmp, "a/b", clock));
        assertThrows(IllegalArgumentException.class, () -> RunDirectory.create(tmp, "", clock));
    }

    @Test void refusesNonEmptyDirectoryUnlessResuming() throws IOException {
        Path d = tmp.resolve("run");
        RunDirectory r = RunDirectory.open(d, false);
        Files.writeString(r.config(), "{}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunDirectory.open(d, false));
        assertTrue(e.getMessage().contains("not empty") && e.getMessage().contains("config.json"), e.getMessage());
        assertTrue(RunDirectory.open(d, true).resumed());
        assertThrows(IllegalArgumentException.class, () -> RunDirectory.open(tmp.resolve("absent"), true));
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        RunDirectory.open(empty, false);
    }

    @Test void checkpointsSortByStep() throws IOException {
        RunDirectory r = RunDirectory.open(tmp.resolve("c"), false);
        assertEquals(Optional.empty(), r.latestCheckpoint());
        for (long s : new long[]{900, 10_000, 50}) Files.createFile(r.checkpoint(s));
        Files.createFile(r.checkpoints().resolve(".step-0000099999.safetensors.1234.tmp"));
        assertEquals("step-0000010000.safetensors", r.checkpoint(10_000).getFileName().toString());
        assertEquals(r.checkpoint(10_000), r.latestCheckpoint().orElseThrow());
        assertEquals(10_000, RunDirectory.checkpointStep(r.latestCheckpoint().orElseThrow()));
    }

    @Test void gitCommitFromLooseRefPackedRefDetachedAndWorktree() throws IOException {
        Path repo = tmp.resolve("repo");
        Path git = Files.createDirectories(repo.resolve(".git/refs/heads"));
        Files.writeString(repo.resolve(".git/HEAD"), "ref: refs/heads/main\n");
        Path sub = Files.createDirectories(repo.resolve("a/b"));
        assertEquals("unknown", RunDirectory.gitCommit(sub)); // branch without commits
        Files.writeString(repo.resolve(".git/packed-refs"), "# pack-refs with: peeled fully-peeled sorted\n"
                + SHA2 + " refs/heads/main\n^" + SHA + "\n");
        assertEquals(SHA2, RunDirectory.gitCommit(sub));
        Files.writeString(git.resolve("main"), SHA + "\n");
        assertEquals(SHA, RunDirectory.gitCommit(sub));
        Files.writeString(repo.resolve(".git/HEAD"), SHA2 + "\n");
        assertEquals(SHA2, RunDirectory.gitCommit(repo));

        // a linked worktree: .git is a file, HEAD in its own gitdir, refs in the common dir
        Path wtGit = Files.createDirectories(repo.resolve(".git/worktrees/wt"));
        Files.writeString(wtGit.resolve("HEAD"), "ref: refs/heads/main\n");
        Files.writeString(wtGit.resolve("commondir"), "../..\n");
        Path wt = Files.createDirectories(tmp.resolve("wt"));
        Files.writeString(wt.resolve(".git"), "gitdir: " + wtGit + "\n");
        assertEquals(SHA, RunDirectory.gitCommit(wt));

        assertEquals("unknown", RunDirectory.gitCommit(Path.of("/")));
    }

    @Test void gitCommitOfThisCheckout() {
        String c = RunDirectory.gitCommit();
        assertTrue(c.equals("unknown") || c.matches("[0-9a-f]{40}|[0-9a-f]{64}"), c);
    }
}
