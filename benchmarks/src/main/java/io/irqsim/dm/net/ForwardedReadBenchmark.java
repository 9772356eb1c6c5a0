package io.irqsim.dm.net;

import io.irqsim.bench.AbstractIrqsimBenchmark;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;


/**
 * One guest MMIO read forwarded to a device model over a real socket, next to a raw Netty echo of
 * the same bytes on the same transport, in the same run.
 *
 * <p><b>What is measured.</b> {@link #forwardedRead}: the guest's vCPU reads the example model's
 * RAISED register (BAR0 + 0x10) in {@code domU}: the access traps, the vCPU stalls, the server
 * sends an IOREQ frame (56 bytes) to the model over loopback TCP or a Unix socket, the model's I/O
 * thread decodes it, runs the register handler and writes the IOREQ reply (32 bytes), the server
 * decodes that, completes the access and the vCPU resumes ({@link DmLoopback#guestReads}).
 * {@link #echo}: the raw Netty echo of that exchange ({@link RawEcho}): irqsim's side writes 56
 * bytes, the other peer answers with 32 once it has them, nothing decoded. Both ratios the issue
 * asks for are {@code forwardedRead / echo} and {@code forwardedReadFromCaller / echoFromCaller}.
 *
 * <p><b>Why the operations are chained on the event loop.</b> A forwarded read starts on the
 * machine's thread (the server's event loop) and ends there when the reply arrives; the model's
 * side runs on the client's own event loop. Timed one call at a time from the JMH thread, every
 * read would also pay two hand-overs (JMH thread to the machine thread, an eventfd wake-up; and
 * back, a park/unpark), which belong to neither the protocol nor the transport. So the primary
 * pair chains {@value #BATCH} operations on the event loop, each starting the moment the previous
 * one completed (as a guest's next access does), and JMH divides the batch's time by
 * {@value #BATCH} ({@link OperationsPerInvocation}); the one hand-over per batch each way is under
 * 0.5% of it. The echo is chained identically: from the same kind of thread (the initiating
 * peer's event loop, irqsim's side), through the same two event loops, with the same two socket
 * crossings per operation. The secondary pair, {@link #forwardedReadFromCaller} and
 * {@link #echoFromCaller}, is one operation per JMH call with both hand-overs, on both sides
 * alike: what a caller outside the machine's thread sees.
 *
 * <p><b>Transports.</b> {@code transport=tcp} (epoll TCP on 127.0.0.1, {@code TCP_NODELAY} on both
 * ends; NIO where epoll is missing) and {@code transport=unix} (epoll Unix domain socket). JMH cannot
 * skip a parameter value, so where epoll is unavailable the {@code unix} half fails at set-up with
 * an explanation: run {@code -p transport=tcp} there.
 *
 * <p>Each state starts its own server(s) and event-loop threads in its trial set-up and stops them
 * in its tear-down, so a run with {@code -f 0} (the build's smoke run) ends cleanly. These
 * benchmarks allocate (a future per batch or call, protocol records per frame, on three threads)
 * and are left out of {@code AllocationFreeTest}; {@code -prof gc} shows how much.
 */
public class ForwardedReadBenchmark extends AbstractIrqsimBenchmark {

    /** Operations chained per JMH call in the chained benchmarks. */
    public static final int BATCH = 500;

    /** The default scenario served, the example model attached over the transport. */
    @State(Scope.Benchmark)
    public static class Dm {
        /** {@code tcp} or {@code unix}. */
        @Param({"tcp", "unix"})
        public String transport;

        DmLoopback dm;

        /** Starts the server and the model, and checks a read gets the model's answer. */
        @Setup
        public void setup() {
            dm = SocketBench.loopback(SocketBench.transport(transport));
            final long raised = dm.guestRead();
            if (raised != 0) {
                throw new IllegalStateException("the model's RAISED register read " + raised + ", expected 0");
            }
            SocketBench.await(dm.guestReads(BATCH));
        }

        /** Stops the model (GOODBYE) and the server, with their threads. */
        @TearDown
        public void tearDown() {
            dm.close();
        }
    }

    /** The echo pair: irqsim's side sends an IOREQ's 56 bytes, the model's answers a reply's 32. */
    @State(Scope.Benchmark)
    public static class Echo {
        /** {@code tcp} or {@code unix}. */
        @Param({"tcp", "unix"})
        public String transport;

        RawEcho echo;

        /** Starts and connects the peers. */
        @Setup
        public void setup() {
            echo = SocketBench.echo(SocketBench.transport(transport), RawEcho.Initiator.SERVER,
                new int[] {SocketBench.IOREQ}, new int[] {SocketBench.IOREQ_REPLY});
            SocketBench.await(echo.run(BATCH));
        }

        /** Closes the connection and stops both event loops. */
        @TearDown
        public void tearDown() {
            echo.close();
        }
    }

    /**
     * @param s the server and model
     * @return the batch's wall-clock nanoseconds
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long forwardedRead(final Dm s) {
        return SocketBench.await(s.dm.guestReads(BATCH));
    }

    /**
     * @param s the echo pair
     * @return the batch's wall-clock nanoseconds
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long echo(final Echo s) {
        return SocketBench.await(s.echo.run(BATCH));
    }

    /**
     * @param s the server and model
     * @return the value read
     */
    @Benchmark
    public long forwardedReadFromCaller(final Dm s) {
        return s.dm.guestRead();
    }

    /**
     * @param s the echo pair
     * @return the operation's wall-clock nanoseconds
     */
    @Benchmark
    public long echoFromCaller(final Echo s) {
        return SocketBench.await(s.echo.run(1));
    }
}
