package dev.groklab.io;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A streaming CSV file with a fixed header: each {@link #row} is written and flushed to the OS at
 * once, so a killed run keeps every row it reported. In append mode (resume) an existing file keeps
 * its rows; its header must match, and a torn last line from a kill is cut off first.
 *
 * <p>Values: doubles and floats in the shortest form that round-trips ("0.1", "3", "1.5e-7"), NaN
 * as "nan", infinities as "inf"/"-inf", null as an empty field, text quoted when it needs it.
 */
public final class MetricsCsv implements Closeable {
    private final Path file;
    private final List<String> header;
    private final FileChannel channel;
    private final BufferedWriter out;
    private final StringBuilder line = new StringBuilder(256);

    private MetricsCsv(Path file, List<String> header, FileChannel channel) {
        this.file = file;
        this.header = header;
        this.channel = channel;
        this.out = new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(channel), StandardCharsets.UTF_8), 1 << 16);
    }

    /**
     * Opens {@code file} for writing rows. With {@code append} false the file is replaced; with
     * {@code append} true existing rows are kept and the header is written only if the file is new
     * or empty.
     *
     * @throws IllegalArgumentException if appending to a file whose header differs
     */
    public static MetricsCsv open(Path file, List<String> header, boolean append) throws IOException {
        if (header.isEmpty()) throw new IllegalArgumentException("metrics CSV: the header has no columns");
        List<String> cols = List.copyOf(header);
        String headerLine = joined(cols);
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        boolean ok = false;
        try {
            boolean writeHeader;
            if (!append || ch.size() == 0) {
                ch.truncate(0);
                writeHeader = true;
            } else {
                long keep = lastNewline(ch) + 1; // drop a torn final line left by a kill
                String existing = firstLine(ch);
                if (keep == 0 || existing == null) {
                    ch.truncate(0);
                    writeHeader = true;
                } else {
                    if (!existing.equals(headerLine)) {
                        throw new IllegalArgumentException("metrics CSV " + file + " has columns [" + existing
                                + "] but this run writes [" + headerLine + "]; resume with the same metrics or use a new run directory");
                    }
                    ch.truncate(keep);
                    writeHeader = false;
                }
            }
            ch.position(ch.size());
            MetricsCsv csv = new MetricsCsv(file, cols, ch);
            if (writeHeader) {
                csv.out.write(headerLine);
                csv.out.write('\n');
                csv.out.flush();
            }
            if (writeHeader) AtomicFiles.syncDirectory(parent);
            ok = true;
            return csv;
        } finally {
            if (!ok) ch.close();
        }
    }

    private static long lastNewline(FileChannel ch) throws IOException {
        long size = ch.size();
        ByteBuffer b = ByteBuffer.allocate(8192);
        for (long end = size; end > 0; ) {
            long start = Math.max(0, end - b.capacity());
            b.clear().limit((int) (end - start));
            while (b.hasRemaining()) if (ch.read(b, start + b.position()) < 0) break;
            for (int i = b.position() - 1; i >= 0; i--) if (b.get(i) == '\n') return start + i;
            end = start;
        }
        return -1;
    }

    private static String firstLine(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(ch.size(), 1 << 20));
        while (b.hasRemaining()) if (ch.read(b, b.position()) < 0) break;
        String s = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
        int nl = s.indexOf('\n');
        if (nl < 0) return null;
        return s.substring(0, nl > 0 && s.charAt(nl - 1) == '\r' ? nl - 1 : nl);
    }

    public Path file() { return file; }

    public List<String> header() { return header; }

    /** Writes one row, values in header order, and flushes it. */
    public void row(Object... values) throws IOException {
        if (values.length != header.size()) {
            throw new IllegalArgumentException("metrics CSV: " + values.length + " values for " + header.size() + " columns " + header);
        }
        line.setLength(0);
        for (int i = 0; i < values.length; i++) {
            if (i > 0) line.append(',');
            line.append(format(values[i]));
        }
        line.append('\n');
        out.write(line.toString());
        out.flush();
    }

    /** Writes one row from the list, in header order. */
    public void row(List<?> values) throws IOException {
        row(values.toArray());
    }

    /** Writes one row by column name; absent columns are empty, unknown names are an error. */
    public void row(Map<String, ?> values) throws IOException {
        for (String k : values.keySet()) {
            if (!header.contains(k)) throw new IllegalArgumentException("metrics CSV: unknown column '" + k + "'; columns: " + header);
        }
        Object[] v = new Object[header.size()];
        for (int i = 0; i < v.length; i++) v[i] = values.get(header.get(i));
        row(v);
    }

    /** Forces written rows to disk (a kill keeps them anyway; this survives power loss). */
    public void sync() throws IOException {
        out.flush();
        channel.force(false);
    }

    @Override public void close() throws IOException {
        try {
            out.flush();
        } finally {
            out.close();
        }
    }

    /** One CSV field. */
    public static String format(Object v) {
        return switch (v) {
            case null -> "";
            case Double d -> format(d.doubleValue());
            case Float f -> format(f.floatValue());
            case Integer i -> i.toString();
            case Long l -> l.toString();
            case Short s -> s.toString();
            case Byte b -> b.toString();
            case BigInteger b -> b.toString();
            case BigDecimal b -> b.toString();
            case Boolean b -> b.toString();
            default -> quote(v.toString());
        };
    }

    public static String format(double v) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            if (v == 0 && Double.doubleToRawLongBits(v) != 0) return "-0";
            return Long.toString((long) v);
        }
        return compact(Double.toString(v));
    }

    public static String format(float v) {
        if (Float.isNaN(v)) return "nan";
        if (Float.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        if (v == Math.rint(v) && Math.abs(v) < 1e7f) {
            if (v == 0 && Float.floatToRawIntBits(v) != 0) return "-0";
            return Long.toString((long) v);
        }
        return compact(Float.toString(v));
    }

    /** "1.0E-5" → "1e-5", "1.25E10" → "1.25e10" (Java's shortest repr, in the usual notation). */
    private static String compact(String s) {
        int e = s.indexOf('E');
        if (e < 0) return s;
        String mant = s.substring(0, e);
        if (mant.endsWith(".0")) mant = mant.substring(0, mant.length() - 2);
        return mant + "e" + s.substring(e + 1);
    }

    private static String quote(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    private static String joined(List<String> cols) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cols.size(); i++) {
            if (i > 0) b.append(',');
            b.append(quote(cols.get(i)));
        }
        return b.toString();
    }

    // ---- reading back -------------------------------------------------------------------------

    /** Splits one CSV line into fields (RFC 4180 quoting, no embedded newlines). */
    public static List<String> parseLine(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') { f.append('"'); i++; }
                    else quoted = false;
                } else f.append(c);
            } else if (c == '"') quoted = true;
            else if (c == ',') { out.add(f.toString()); f.setLength(0); }
            else f.append(c);
        }
        out.add(f.toString());
        return out;
    }

    /** Parses a field written by {@link #format}: "nan", "inf", "-inf" or a number; empty → NaN. */
    public static double parseDouble(String field) {
        return switch (field) {
            case "", "nan" -> Double.NaN;
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(field);
        };
    }

    /**
     * For resuming from a checkpoint: removes the rows whose {@code column} is greater than
     * {@code limit} (rows logged after the checkpoint, which the resumed run will log again) and a
     * torn last line. Rewrites the file atomically; returns the number of rows removed.
     */
    public static int truncateAfter(Path file, String column, double limit) throws IOException {
        if (!Files.exists(file)) return 0;
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n') + 1;
        boolean torn = end < text.length();
        String[] lines = text.substring(0, end).split("\n");
        if (end == 0) {
            if (torn) AtomicFiles.writeString(file, "");
            return 0;
        }
        List<String> head = parseLine(lines[0]);
        int col = head.indexOf(column);
        if (col < 0) throw new IllegalArgumentException("metrics CSV " + file + " has no column '" + column + "'; columns: " + head);
        StringBuilder kept = new StringBuilder(text.length());
        kept.append(lines[0]).append('\n');
        int removed = 0;
        for (int i = 1; i < lines.length; i++) {
            List<String> f = parseLine(lines[i]);
            double v;
            try {
                v = col < f.size() ? parseDouble(f.get(col)) : Double.NaN;
            } catch (NumberFormatException e) {
                v = Double.NaN;
            }
            if (v > limit) removed++;
            else kept.append(lines[i]).append('\n');
        }
        if (removed > 0 || torn) AtomicFiles.writeString(file, kept.toString());
        return removed;
    }
}
