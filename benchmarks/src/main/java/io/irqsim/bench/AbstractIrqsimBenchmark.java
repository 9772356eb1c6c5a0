package io.irqsim.bench;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The run settings every irqsim benchmark shares (JMH class-level annotations are inherited, as
 * Netty's {@code AbstractMicrobenchmark} uses them): average time in ns, 5 × 1 s warm-up and
 * measurement, 2 forks, each fork given the JVM flags Chronicle Bytes needs ({@link JvmFlags},
 * the root pom's {@code irqsim.jvm.flags}). A benchmark class extends this and adds its own
 * {@code @State} and {@code @Param}s.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {JvmFlags.EXPORTS_REF, JvmFlags.EXPORTS_NIO_CH, JvmFlags.EXPORTS_MISC,
    JvmFlags.OPENS_LANG, JvmFlags.OPENS_REFLECT, JvmFlags.OPENS_IO, JvmFlags.OPENS_NIO, JvmFlags.OPENS_UTIL})
public abstract class AbstractIrqsimBenchmark {
}
