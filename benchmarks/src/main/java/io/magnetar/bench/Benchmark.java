package io.magnetar.bench;

import java.io.PrintStream;

/** One {@code bin/magnetar bench NAME}: compares Magnetar with Pulsar's built-in in one run, ends with a RESULT line. */
interface Benchmark {
    String name();

    String description();

    void run(boolean quick, PrintStream out) throws Exception;
}
