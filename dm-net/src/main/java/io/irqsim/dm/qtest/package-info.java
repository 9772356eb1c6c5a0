/**
 * A QEMU-qtest-compatible line protocol that drives irqsim's emulated hardware: MMIO reads and
 * writes on the default platform, virtual time, IO-APIC input pins, interception of the IO-APIC's
 * interrupt messages, and irqsim extensions for what a CPU does (acknowledge, EOI, choose the CPU).
 *
 * <p>{@link io.irqsim.dm.qtest.QtestSession} is the transport-independent interpreter;
 * {@link io.irqsim.dm.qtest.QtestStdio} runs it on a pair of streams and
 * {@link io.irqsim.dm.qtest.QtestServer} on TCP or Unix sockets. The protocol is documented in
 * {@code docs/qtest.md}.
 */
package io.irqsim.dm.qtest;
