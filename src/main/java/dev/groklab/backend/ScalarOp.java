package dev.groklab.backend;

/** Elementwise functions of a tensor and a constant s: x + s, x * s, x ^ s. */
public enum ScalarOp { ADD, MUL, POW }
