package dev.groklab.backend;

/** Elementwise functions of two broadcast tensors. */
public enum Binary { ADD, SUB, MUL, DIV }
