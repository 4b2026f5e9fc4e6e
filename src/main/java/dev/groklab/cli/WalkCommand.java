package dev.groklab.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.groklab.io.AtomicFiles;
import dev.groklab.io.MetricsCsv;
import dev.groklab.io.RunDirectory;
import dev.groklab.walkers.ContinuousWalk;
import dev.groklab.walkers.Dynamics;
import dev.groklab.walkers.GibbsGrid;
import dev.groklab.walkers.GraphWalk;
import dev.groklab.walkers.Histogram2D;
import dev.groklab.walkers.LangevinKernel;
import dev.groklab.walkers.Occupancy;
import dev.groklab.walkers.Walk;
import dev.groklab.walkers.WalkConfig;
import dev.groklab.walkers.WalkResult;
import dev.groklab.walkers.WalkSummary;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.awt.Color;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Loss-landscape walkers: Brownian motion, seed 000's noisy momentum SGD, HMC and graph walks on
 * toy potentials, compared with the Gibbs measure. Writes config.json first, then metrics.csv
 * and checkpoints/ as the run goes (Brownian, SGD and HMC runs), and histogram.csv, heatmap.png
 * and summary.json at the end.
 */
@Command(name = "walk", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Walkers on toy loss landscapes, histogrammed against the Gibbs measure exp(-U/T)/Z.",
                "Presets: " + WalkCommand.PRESET_LIST + ". Explicit options override a preset."})
public final class WalkCommand implements Callable<Integer> {
    static final String PRESET_LIST = "seed002-torus, seed000-a, seed000-b, seed000-c, seed000-hmc, crossing-lines, hmc-gaussian";

    /** Every option's value when neither a preset nor the command line sets it. */
    private static final Map<String, Object> DEFAULTS = Map.ofEntries(
            Map.entry("dynamics", "brownian"), Map.entry("potential", "crossing"), Map.entry("walkers", 100_000),
            Map.entry("steps", 2000), Map.entry("dt", 1e-3f), Map.entry("temperature", 1f), Map.entry("a", 100f),
            Map.entry("b", 0f), Map.entry("lambda", 0f), Map.entry("center", new float[]{-1f, -1f}),
            Map.entry("epsilon", 0.01f), Map.entry("beta", 0f), Map.entry("torus", true), Map.entry("halfWidth", 1f),
            Map.entry("lines", 2), Map.entry("seed", 0), Map.entry("radius", 0.1f), Map.entry("bins", 64),
            Map.entry("every", 10), Map.entry("burnIn", -1), Map.entry("leapfrog", 10), Map.entry("nodes", 33),
            Map.entry("kernel", "auto"));

    /** Presets: the options each sets (targets.md items 7-9). */
    static final Map<String, Map<String, Object>> PRESETS = presets();

    private static Map<String, Map<String, Object>> presets() {
        Map<String, Map<String, Object>> p = new LinkedHashMap<>();
        // Seed 002: Brownian motion in a·min((x0−b)², (x1−b)²) on the torus, time-averaged occupancy.
        p.put("seed002-torus", kv("dynamics", "brownian", "potential", "crossing", "a", 100f, "temperature", 1f,
                "dt", 1e-3f, "torus", true, "halfWidth", 1f, "walkers", 100_000, "steps", 10_000, "every", 10,
                "burnIn", 2000));
        // Seed 000: c = 100, dt 1e-3, 100 steps, 10,000 uniform starts, final positions.
        Map<String, Object> s000 = kv("dynamics", "sgd", "potential", "crossing", "a", 100f, "dt", 1e-3f,
                "torus", false, "halfWidth", 1f, "walkers", 10_000, "steps", 100, "every", 0, "beta", 0f);
        p.put("seed000-a", with(s000, kv("lambda", 0f, "epsilon", 0.01f)));
        p.put("seed000-b", with(s000, kv("lambda", 5f, "center", new float[]{-1f, -1f}, "epsilon", 0.01f)));
        p.put("seed000-c", with(s000, kv("lambda", 0f, "epsilon", 0.1f)));
        // HMC on the same potential: leapfrog step 1e-3, trajectory length 1, 10,000 proposals, at the
        // temperature ε²/(2·dt) = 0.05 that matches seed000-a's noise.
        p.put("seed000-hmc", kv("dynamics", "hmc", "potential", "crossing", "a", 100f, "dt", 1e-3f,
                "leapfrog", 1000, "temperature", 0.05f, "torus", false, "halfWidth", 1f, "walkers", 16,
                "steps", 10_000, "every", 10, "burnIn", 1000));
        p.put("crossing-lines", kv("dynamics", "graph", "lines", 2, "nodes", 33, "walkers", 4096,
                "steps", 20_000, "burnIn", 2000));
        p.put("hmc-gaussian", kv("dynamics", "hmc", "potential", "paraboloid", "a", 1f, "temperature", 1f,
                "dt", 0.2f, "leapfrog", 10, "torus", false, "halfWidth", 4f, "walkers", 20_000, "steps", 200,
                "every", 0, "burnIn", 0));
        return p;
    }

    private static Map<String, Object> kv(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private static Map<String, Object> with(Map<String, Object> base, Map<String, Object> extra) {
        Map<String, Object> m = new LinkedHashMap<>(base);
        m.putAll(extra);
        return m;
    }

    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--preset", paramLabel = "NAME", description = "One of: " + PRESET_LIST + ".")
    String preset;
    @Option(names = "--dynamics", paramLabel = "KIND", description = "brownian|sgd|hmc|graph (default brownian).")
    String dynamics;
    @Option(names = "--potential", paramLabel = "NAME", description = "crossing|paraboloid|valley|lines (default crossing).")
    String potential;
    @Option(names = "--walkers", paramLabel = "N", description = "Independent walkers (default 100000).")
    Integer walkers;
    @Option(names = "--steps", paramLabel = "N", description = "Steps (HMC: proposals; default 2000).")
    Integer steps;
    @Option(names = "--dt", paramLabel = "DT", description = "Time step (HMC: leapfrog step; default 1e-3).")
    Float dt;
    @Option(names = "--temperature", paramLabel = "T", description = "Temperature T > 0 (Brownian, HMC; default 1).")
    Float temperature;
    @Option(names = "--a", paramLabel = "A", description = "Steepness a of the potential (default 100).")
    Float a;
    @Option(names = "--b", paramLabel = "B", description = "Valleys cross at (b, b) (default 0).")
    Float b;
    @Option(names = "--lambda", paramLabel = "L", description = "L2 regularizer lambda/2·|x - c|^2 (default 0).")
    Float lambda;
    @Option(names = "--center", paramLabel = "X,Y", split = ",", description = "Regularizer centre c (default -1,-1).")
    float[] center;
    @Option(names = "--epsilon", paramLabel = "E", description = "SGD noise per step (default 0.01).")
    Float epsilon;
    @Option(names = "--beta", paramLabel = "B", description = "SGD momentum in [0, 1) (default 0).")
    Float beta;
    @Option(names = "--torus", paramLabel = "L", description = "Periodic domain [-L, L)^2 (the default, L = 1).")
    Float torus;
    @Option(names = "--plane", description = "Open plane; uniform starts and histograms in [-L, L)^2, L from --box.")
    boolean plane;
    @Option(names = "--box", paramLabel = "L", description = "Half-width of the start box and window on the plane (default 1).")
    Float box;
    @Option(names = "--lines", paramLabel = "D", description = "Lines D crossing at one point (potential 'lines', graph walks; default 2).")
    Integer lines;
    @Option(names = "--nodes", paramLabel = "N", description = "Graph walk: nodes per line (default 33).")
    Integer nodes;
    @Option(names = "--seed", paramLabel = "S", description = "Philox seed (default 0).")
    Integer seed;
    @Option(names = "--radius", paramLabel = "R", description = "Radius around the singular point for the masses (default 0.1).")
    Float radius;
    @Option(names = "--bins", paramLabel = "N", description = "Histogram bins per axis (default 64).")
    Integer bins;
    @Option(names = "--every", paramLabel = "K", description = "Sample every K steps after the burn-in; 0 = final positions (default 10).")
    Integer every;
    @Option(names = "--burn-in", paramLabel = "N", description = "Steps before sampling starts (default steps/5).")
    Integer burnIn;
    @Option(names = "--leapfrog", paramLabel = "N", description = "HMC leapfrog steps per proposal (default 10).")
    Integer leapfrog;
    @Option(names = "--kernel", paramLabel = "K", description = "auto|simd|scalar for Brownian and SGD on the CPU (default auto: simd from 1e8 walker-steps).")
    String kernel;
    @Option(names = "--backend", paramLabel = "BACKEND", defaultValue = "cpu",
            description = "cpu, opencl[:P:D] or cuda[:N]: the device that runs Brownian and SGD steps (HMC and graph walks: cpu only; default: ${DEFAULT-VALUE}).")
    String backend;
    @Option(names = "--out", paramLabel = "DIR", description = "Run directory, absent or empty (default runs/walk-<preset>-<timestamp>).")
    Path out;
    @Option(names = "--checkpoint-every", paramLabel = "N",
            description = "Brownian, SGD, HMC: steps between checkpoints; 0 = only at the end (default: a tenth of --steps).")
    Integer checkpointEvery;
    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue the Brownian, SGD or HMC run in DIR from its latest checkpoint, with the same bits; --steps may extend it (sampling stays every K steps after the burn-in).")
    Path resume;

    /** Columns of metrics.csv, one row per logging time. */
    static final List<String> METRICS = List.of("step", "samples", "mass_near", "mean_x0", "mean_x1", "var_x0", "var_x1",
            "acceptance", "seconds", "walker_steps_per_s");

    private static final ObjectMapper JSON = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL).enable(SerializationFeature.INDENT_OUTPUT);

    @Override public Integer call() throws IOException {
        if (resume != null) return resumeRun();
        WalkConfig config = resolve();
        LangevinKernel device = deviceKernel(config);
        if (config.dynamicsKind() == Dynamics.GRAPH && checkpointEvery != null && checkpointEvery != 0) {
            throw usage("--checkpoint-every: graph walks run in one pass and keep no checkpoints (leave it out)");
        }
        int ckEvery = checkpointEvery(config);
        RunDirectory dir = usageOnBadDir(() -> out != null ? RunDirectory.open(out, false)
                : RunDirectory.create(Path.of("runs"), "walk-" + (preset == null ? "custom" : preset)));
        AtomicFiles.writeString(dir.config(), JSON.writeValueAsString(config));
        WalkResult r;
        if (config.dynamicsKind() == Dynamics.GRAPH) {
            r = Walk.run(config, device);
        } else {
            ContinuousWalk run = ContinuousWalk.start(config, device);
            drive(run, dir, ckEvery, WalkBackend.onCpu(backend) ? "cpu" : backend, false);
            r = run.result();
        }
        finish(r, dir);
        return 0;
    }

    /** --resume DIR: the run's own config.json (--steps may grow), its latest checkpoint, the same kernel. */
    private int resumeRun() throws IOException {
        CommandLine.ParseResult pr = spec.commandLine().getParseResult();
        for (CommandLine.Model.OptionSpec o : pr.matchedOptions()) {
            String name = o.longestName();
            if (!List.of("--resume", "--steps", "--checkpoint-every").contains(name)) {
                throw usage(name + ": --resume continues the run with its config.json; only --steps and --checkpoint-every may be given");
            }
        }
        RunDirectory dir = usageOnBadDir(() -> RunDirectory.open(resume, true));
        if (!Files.exists(dir.config())) throw usage("--resume: " + dir.config() + " does not exist; is " + resume + " a walk run?");
        WalkConfig saved;
        try {
            saved = JSON.readValue(dir.config().toFile(), WalkConfig.class);
        } catch (IOException e) {
            throw usage("--resume: cannot read " + dir.config() + ": " + e.getMessage());
        }
        if (saved.dynamicsKind() == Dynamics.GRAPH) {
            throw usage("--resume: graph walks run in one pass and keep no checkpoints; start " + resume + " again");
        }
        WalkConfig config = saved;
        if (steps != null && steps != saved.steps()) {
            if (steps < saved.steps()) {
                throw usage("--steps must be >= " + saved.steps() + ", the run's own; --resume extends a run, it does not shorten it (got " + steps + ")");
            }
            try {
                config = saved.withSteps(steps);
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
        }
        int ckEvery = checkpointEvery != null ? checkpointEvery(config) : -1;
        // The newest checkpoint that reads back; a torn or damaged one falls back to the one before.
        ContinuousWalk run = null;
        WalkCheckpoint.Origin origin = null;
        List<Path> found = WalkCheckpoint.newestFirst(dir);
        if (found.isEmpty()) throw usage("--resume: " + dir.checkpoints() + " holds no checkpoint");
        PrintWriter err = spec.commandLine().getErr();
        for (Path p : found) {
            try {
                origin = WalkCheckpoint.origin(p);
                LangevinKernel kernel = config.dynamicsKind() == Dynamics.HMC ? null
                        : origin.backend().equals("cpu") ? Walk.kernel(origin.kernel(), 0)
                        : WalkBackend.kernel(origin.backend(), config.dynamicsKind(), null);
                run = WalkCheckpoint.read(p, config, kernel);
                break;
            } catch (Errors.BadInput e) {
                throw usage(e.getMessage());
            } catch (IOException | IllegalArgumentException e) {
                err.println("groklab walk: skipping checkpoint " + p.getFileName() + ": " + e.getMessage());
                err.flush();
            }
        }
        if (run == null) throw usage("--resume: no checkpoint in " + dir.checkpoints() + " reads back");
        if (config != saved && run.done() == saved.steps() && !ContinuousWalk.endsOnSamplingGrid(saved)) {
            throw usage("--steps: the run ended at step " + saved.steps() + " between sampling times (every " + saved.sampleEvery()
                    + " steps after a burn-in of " + saved.burnIn() + "), and that final sample would stay in the average;"
                    + " start a new run with --steps " + steps + " instead");
        }
        if (config != saved) AtomicFiles.writeString(dir.config(), JSON.writeValueAsString(config));
        MetricsCsv.truncateAfter(dir.metrics(), "step", run.done());
        drive(run, dir, ckEvery >= 0 ? ckEvery : origin.checkpointEvery(), origin.backend(), true);
        finish(run.result(), dir);
        return 0;
    }

    /** Seconds between progress lines on stderr; shorter runs print none. */
    static final long PROGRESS_NANOS = 10_000_000_000L;

    /**
     * The walk to its end: a metrics row at sampling times about every 1/500 of the run, a
     * checkpoint every ckEvery steps (0: none) and one at the end, a progress line every ten seconds.
     */
    private void drive(ContinuousWalk run, RunDirectory dir, int ckEvery, String backendName, boolean append)
            throws IOException {
        WalkConfig c = run.config();
        PrintWriter err = spec.commandLine().getErr();
        int logEvery = Math.max(1, c.steps() / 500), lastLog = append ? lastLoggedStep(dir.metrics()) : run.done();
        int lastCk = run.done();
        long lastPrint = System.nanoTime();
        try (MetricsCsv m = MetricsCsv.open(dir.metrics(), METRICS, append)) {
            while (!run.finished()) {
                long samples = run.occupancy().samples();
                run.advance(ckEvery > 0 ? (int) Math.min(c.steps(), (long) lastCk + ckEvery) : c.steps());
                if (System.nanoTime() - lastPrint >= PROGRESS_NANOS && !run.finished()) {
                    lastPrint = System.nanoTime();
                    double rate = run.walkerSteps() / run.seconds(), perStep = run.seconds() / run.done();
                    err.printf(Locale.ROOT, "walk: step %d/%d  %.3g walker-steps/s  eta %.0f s%n", run.done(), c.steps(), rate,
                            perStep * (c.steps() - run.done()));
                    err.flush();
                }
                Occupancy occ = run.occupancy();
                if ((occ.samples() > samples && run.done() - lastLog >= logEvery) || run.finished()) {
                    m.row(run.done(), occ.samples(), occ.massNear(), occ.mean(0), occ.mean(1), occ.variance(0),
                            occ.variance(1), run.acceptance(), run.seconds(), run.walkerSteps() / run.seconds());
                    lastLog = run.done();
                }
                if ((ckEvery > 0 && run.done() - lastCk >= ckEvery) || run.finished()) {
                    m.sync();
                    WalkCheckpoint.write(dir, run, backendName, ckEvery);
                    lastCk = run.done();
                }
            }
        }
    }

    /** The step of metrics.csv's last row, 0 when it has none: where the logging rhythm goes on. */
    private static int lastLoggedStep(Path metrics) throws IOException {
        if (!Files.exists(metrics)) return 0;
        List<String> lines = Files.readAllLines(metrics);
        if (lines.size() < 2) return 0;
        try {
            return (int) MetricsCsv.parseDouble(MetricsCsv.parseLine(lines.getLast()).getFirst());
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private int checkpointEvery(WalkConfig config) {
        if (checkpointEvery == null) return Math.max(1, config.steps() / 10);
        if (checkpointEvery < 0) throw usage("--checkpoint-every must be >= 0 (0 = only at the end), got " + checkpointEvery);
        return checkpointEvery;
    }

    /** summary.json, histogram.csv, heatmap.png and the printed summary. */
    private void finish(WalkResult r, RunDirectory dir) throws IOException {
        AtomicFiles.writeString(dir.summary(), JSON.writeValueAsString(r.summary()));
        writeHistogram(r, dir.dir().resolve("histogram.csv"));
        System.setProperty("java.awt.headless", "true");
        drawPng(r, dir.dir().resolve("heatmap.png"));
        printSummary(r.summary(), dir.dir(), spec.commandLine().getOut());
    }

    private interface DirOpener { RunDirectory open() throws IOException; }

    private RunDirectory usageOnBadDir(DirOpener o) throws IOException {
        try {
            return o.open();
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** The device kernel --backend names (null on the CPU); a combination that cannot run is a usage error. */
    private LangevinKernel deviceKernel(WalkConfig config) {
        try {
            return WalkBackend.kernel(backend, config.dynamicsKind(), kernel);
        } catch (Errors.BadInput e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** The preset's values, overridden by explicit options, validated; bad values end as a usage error. */
    WalkConfig resolve() {
        CommandLine cl = spec.commandLine();
        Map<String, Object> v = new LinkedHashMap<>(DEFAULTS);
        if (preset != null) {
            Map<String, Object> p = PRESETS.get(preset);
            if (p == null) {
                throw new CommandLine.ParameterException(cl, "--preset must be one of " + PRESET_LIST + ", got '" + preset + "'");
            }
            v.putAll(p);
        }
        if (torus != null && plane) throw new CommandLine.ParameterException(cl, "--torus and --plane exclude each other");
        put(v, "dynamics", dynamics);
        put(v, "potential", potential);
        put(v, "walkers", walkers);
        put(v, "steps", steps);
        put(v, "dt", dt);
        put(v, "temperature", temperature);
        put(v, "a", a);
        put(v, "b", b);
        put(v, "lambda", lambda);
        put(v, "center", center);
        put(v, "epsilon", epsilon);
        put(v, "beta", beta);
        if (torus != null) {
            v.put("torus", true);
            v.put("halfWidth", torus);
        }
        if (plane) v.put("torus", false);
        if (box != null && (Boolean) v.get("torus")) {
            throw new CommandLine.ParameterException(cl, "--box applies to the plane (--plane); the torus takes its L from --torus L");
        }
        put(v, "halfWidth", box);
        put(v, "lines", lines);
        put(v, "nodes", nodes);
        put(v, "seed", seed);
        put(v, "radius", radius);
        put(v, "bins", bins);
        put(v, "every", every);
        put(v, "burnIn", burnIn);
        put(v, "leapfrog", leapfrog);
        put(v, "kernel", kernel);
        int st = (Integer) v.get("steps");
        int burn = (Integer) v.get("burnIn");
        if (burn < 0) burn = (Integer) v.get("every") == 0 ? 0 : st / 5;
        try {
            return new WalkConfig(preset == null ? "custom" : preset, (String) v.get("dynamics"), (String) v.get("potential"),
                    (Integer) v.get("walkers"), st, (Float) v.get("dt"), (Float) v.get("temperature"),
                    (Float) v.get("a"), (Float) v.get("b"), (Float) v.get("lambda"), (float[]) v.get("center"),
                    (Float) v.get("epsilon"), (Float) v.get("beta"), (Boolean) v.get("torus"), (Float) v.get("halfWidth"),
                    (Integer) v.get("lines"), (Integer) v.get("seed"), (Float) v.get("radius"), (Integer) v.get("bins"),
                    (Integer) v.get("every"), burn, (Integer) v.get("leapfrog"), (Integer) v.get("nodes"),
                    (String) v.get("kernel"));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cl, e.getMessage(), e);
        }
    }

    private static void put(Map<String, Object> v, String key, Object value) {
        if (value != null) v.put(key, value);
    }

    private static void writeHistogram(WalkResult r, Path file) throws IOException {
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
            if (r.graph() != null) {
                GraphWalk g = r.graph();
                long[] visits = r.visits();
                long total = 0;
                for (long x : visits) total += x;
                double degSum = 2.0 * g.lines() + 2.0 * (visits.length - 1);
                w.println("node,line,position,degree,visits,fraction,stationary");
                for (int i = 0; i < visits.length; i++) {
                    w.printf(Locale.ROOT, "%d,%d,%d,%d,%d,%.8g,%.8g%n", i, i == 0 ? -1 : g.lineOf(i), i == 0 ? 0 : g.positionOf(i),
                            g.degree(i), visits[i], (double) visits[i] / total, g.degree(i) / degSum);
                }
                return;
            }
            Histogram2D h = r.occupancy().histogram;
            GibbsGrid gibbs = r.gibbs();
            w.println("x0,x1,count,empirical,gibbs");
            for (int i = 0; i < h.bins; i++) {
                for (int j = 0; j < h.bins; j++) {
                    w.printf(Locale.ROOT, "%.6g,%.6g,%d,%.8g,%.8g%n", h.center(i), h.center(j), h.count(i, j),
                            h.probability(i, j), gibbs == null ? Double.NaN : gibbs.probability(i, j));
                }
            }
        }
    }

    private static void drawPng(WalkResult r, Path file) throws IOException {
        if (r.graph() != null) {
            BitmapEncoder.saveBitmap(graphChart(r), file.toString(), BitmapEncoder.BitmapFormat.PNG);
            return;
        }
        Histogram2D h = r.occupancy().histogram;
        int shown = h.bins / ((h.bins + 39) / 40);   // whole bins per cell, at most ~40 cells per axis
        double[][] emp = new double[shown][shown], gib = new double[shown][shown];
        for (int i = 0; i < h.bins; i++) {
            for (int j = 0; j < h.bins; j++) {
                int a = i * shown / h.bins, c = j * shown / h.bins;
                emp[a][c] += h.probability(i, j);
                if (r.gibbs() != null) gib[a][c] += r.gibbs().probability(i, j);
            }
        }
        List<Chart<?, ?>> charts = new ArrayList<>();
        // Each panel on its own colour scale: a concentrated Gibbs density would otherwise wash out the other.
        charts.add(heatMap("Empirical (" + r.summary().dynamics() + ")", emp, h, shown));
        charts.add(heatMap("Gibbs exp(-U/T)/Z, T = " + String.format(Locale.ROOT, "%.3g",
                r.summary().gibbsTemperature() == null ? Double.NaN : r.summary().gibbsTemperature()), gib, h, shown));
        BitmapEncoder.saveBitmap(charts, 1, 2, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static HeatMapChart heatMap(String title, double[][] p, Histogram2D h, int shown) {
        double max = 0;
        for (double[] row : p) for (double v : row) max = Math.max(max, v);
        // The colour bar prints its ends unformatted: round the top up to three significant digits.
        if (max > 0) max = new java.math.BigDecimal(max).round(new java.math.MathContext(3, java.math.RoundingMode.UP)).doubleValue();
        HeatMapChart chart = new HeatMapChartBuilder().width(640).height(600).title(title).xAxisTitle("x0").yAxisTitle("x1").build();
        List<String> axis = new ArrayList<>();
        double width = 2.0 * h.halfWidth / shown;
        for (int k = 0; k < shown; k++) axis.add(String.format(Locale.ROOT, "%.2f", -h.halfWidth + (k + 0.5) * width));
        List<Number[]> cells = new ArrayList<>();
        for (int i = 0; i < shown; i++) for (int j = 0; j < shown; j++) cells.add(new Number[]{i, j, p[i][j]});
        chart.getStyler().setShowValue(false).setMin(0).setMax(max > 0 ? max : 1)
                .setRangeColors(new Color[]{Color.WHITE, new Color(0x3B4CC0), new Color(0xB40426)});
        chart.getStyler().setXAxisLabelRotation(90);
        chart.getStyler().setAxisTickLabelsFont(chart.getStyler().getAxisTickLabelsFont().deriveFont(8f));
        chart.addSeries("probability", axis, axis, cells);
        return chart;
    }

    private static XYChart graphChart(WalkResult r) {
        GraphWalk g = r.graph();
        long[] visits = r.visits();
        double rest = 0;
        for (int i = 1; i < visits.length; i++) rest += visits[i];
        rest /= visits.length - 1;
        XYChart chart = new XYChartBuilder().width(900).height(500)
                .title("Graph walk on " + g.lines() + " lines crossing at one node: visits / mean visits of other nodes")
                .xAxisTitle("signed position along the line (0 = crossing)").yAxisTitle("relative visits").build();
        int n = g.nodesPerLine();
        for (int k = 0; k < g.lines(); k++) {
            List<Integer> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (int j = n / 2 + 1; j < n; j++) {
                xs.add(j - n);
                ys.add(visits[1 + k * (n - 1) + (j - 1)] / rest);
            }
            xs.add(0);
            ys.add(visits[0] / rest);
            for (int j = 1; j <= n / 2; j++) {
                xs.add(j);
                ys.add(visits[1 + k * (n - 1) + (j - 1)] / rest);
            }
            chart.addSeries("line " + k, xs, ys);
        }
        return chart;
    }

    private static void printSummary(WalkSummary s, Path dir, PrintWriter out) {
        out.printf(Locale.ROOT, "walk %s: %s, %s, %s%n", s.preset(), s.dynamics(), s.potential(), s.domain());
        if (s.originToMeanRatio() != null) {
            out.printf(Locale.ROOT, "  crossing visits / mean visits elsewhere = %.4f (degree ratio %.1f)%n",
                    s.originToMeanRatio(), s.degreeRatio());
        } else {
            out.printf(Locale.ROOT, "  mass within r = %.3g of the singular point: empirical %.5f, Gibbs %.3g (T = %.4g), ratio %s; uniform start %.5f%n",
                    s.radius(), s.empiricalMassNear(), nan(s.gibbsMassNear()), nan(s.gibbsTemperature()),
                    s.ratio() == null ? "n/a (Gibbs puts no mass there)" : String.format(Locale.ROOT, "%.4f", s.ratio()),
                    s.uniformMassNear());
            out.printf(Locale.ROOT, "  per-axis variance %.5g, %.5g; in window %.4f%n", s.varX0(), s.varX1(), s.fractionInWindow());
            if (s.acceptanceRate() != null) out.printf(Locale.ROOT, "  HMC acceptance rate %.4f%n", s.acceptanceRate());
        }
        out.printf(Locale.ROOT, "  %d walkers x %d steps in %.2f s (%.3g walker-steps/s, %s kernel) -> %s%n",
                s.walkers(), s.steps(), s.seconds(), s.walkerStepsPerSecond(), s.kernel(), dir);
        out.flush();
    }

    private static double nan(Double d) { return d == null ? Double.NaN : d; }
}
