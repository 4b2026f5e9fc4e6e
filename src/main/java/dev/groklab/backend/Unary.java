package dev.groklab.backend;

/** Elementwise functions of one tensor. GELU is the tanh approximation (as GPT-2 and llm.c use). */
public enum Unary { NEG, RELU, GELU, TANH, EXP, LOG, SQUARE, SQRT, ABS }
