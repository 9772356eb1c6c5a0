/**
 * What the benchmarks share: the JVM flags every fork gets and the marker for the few benchmarks
 * that allocate by design. The benchmarks themselves live in the packages of the code they
 * measure ({@code io.irqsim.hw.ioapic.IoApicRteWriteBenchmark}, {@code io.irqsim.hv.InjectionBenchmark}, ...).
 * The socket path's ({@code io.irqsim.dm.net.ForwardedReadBenchmark}, {@code ModelInterruptBenchmark})
 * start real servers and event-loop threads, each next to a raw Netty echo on the same transport;
 * they allocate by design and the zero-allocation check leaves them out, with its reason.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar} (all), or with a regex and JMH options,
 * e.g. {@code java -jar benchmarks/target/benchmarks.jar Injection -prof gc}.
 */
package io.irqsim.bench;
