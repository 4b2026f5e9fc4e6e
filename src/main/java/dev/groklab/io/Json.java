package dev.groklab.io;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * JSON for run files (config.json, summary.json): maps, lists, records and enums serialize
 * directly. Non-finite doubles are written as the strings "NaN"/"Infinity" (JSON has no such
 * numbers) and read back into double fields.
 */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            // configs written by an older version may have fields a newer record dropped
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private Json() {}

    /** The shared, configured mapper (thread-safe once configured; do not reconfigure). */
    public static ObjectMapper mapper() { return MAPPER; }

    /** Pretty-printed JSON with a trailing newline, replacing the file atomically. */
    public static void write(Path file, Object value) throws IOException {
        AtomicFiles.writeString(file, toString(value) + "\n");
    }

    public static String toString(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize " + value.getClass().getName() + " to JSON", e);
        }
    }

    public static JsonNode read(Path file) throws IOException {
        return MAPPER.readTree(Files.readAllBytes(file));
    }

    /** The file's top-level object as a map (nested objects are maps, arrays are lists). */
    public static Map<String, Object> readMap(Path file) throws IOException {
        return MAPPER.readValue(Files.readAllBytes(file), new TypeReference<Map<String, Object>>() {});
    }

    /** Reads into a record or class. */
    public static <T> T read(Path file, Class<T> type) throws IOException {
        return MAPPER.readValue(Files.readAllBytes(file), type);
    }

    public static JsonNode parse(String json) throws IOException {
        return MAPPER.readTree(json);
    }
}
