package dev.groklab.tensor;

/** Where a tensor's storage lives. {@code index} distinguishes devices of one kind. */
public record Device(Kind kind, int index, String name) {
    public enum Kind { CPU, OPENCL, CUDA }

    public static final Device CPU = new Device(Kind.CPU, 0, "cpu");

    @Override public String toString() { return name; }
}
