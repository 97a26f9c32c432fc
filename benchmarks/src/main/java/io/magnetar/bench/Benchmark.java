package io.magnetar.bench;

import java.io.PrintStream;

/** One {@code bin/magnetar bench NAME}: compares Magnetar with Pulsar's built-in in one run, ends with a RESULT line. */
interface Benchmark {
    String name();

    String description();

    void run(boolean quick, PrintStream out) throws Exception;

    /** The body of a benchmark, for {@link #of}. */
    @FunctionalInterface
    interface Body {
        void run(boolean quick, PrintStream out) throws Exception;
    }

    static Benchmark of(String name, String description, Body body) {
        return new Benchmark() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public void run(boolean quick, PrintStream out) throws Exception {
                body.run(quick, out);
            }
        };
    }
}
