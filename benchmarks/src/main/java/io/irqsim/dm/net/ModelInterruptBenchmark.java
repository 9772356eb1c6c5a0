package io.irqsim.dm.net;

import io.irqsim.bench.AbstractIrqsimBenchmark;
import io.irqsim.dm.net.example.ExampleNicModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;


/**
 * Interrupts raised by a device model across a socket, each handled by the guest, next to a raw
 * Netty echo of the same frame round trips on the same transport, in the same run. The score is
 * nanoseconds per interrupt; interrupts per second are {@code 1e9 / score}.
 *
 * <p><b>One interrupt</b> ({@link #interrupts}, {@link DmLoopback#interrupts}): the example model
 * sends SET_INTX level 1; the server raises the function's INTA in {@code domU}
 * ({@code XEN_DMOP_set_pci_intx_level}), the vIO-APIC delivers it, the guest's NIC driver takes it
 * and reads STATUS through BAR0: an IOREQ to the model, which answers 1; the driver writes ACK:
 * another IOREQ, in whose handler the model lowers INTx (SET_INTX level 0) before it answers; the
 * write completes, the guest EOIs, the server sends the EOI notice, and on it the model raises the
 * next interrupt. Three frame round trips, all started by the model's side:
 * <pre>
 *   model -&gt; server                         server -&gt; model
 *   SET_INTX 1              (32 B)           IOREQ read + SET_INTX reply   (56 + 24 B)
 *   IOREQ reply             (32 B)           IOREQ write                   (56 B)
 *   SET_INTX 0 + IOREQ reply (32 + 32 B)     SET_INTX reply + EOI notice   (24 + 32 B)
 * </pre>
 * {@link #echo} is that script on a {@link RawEcho}: the client peer (the model's side) sends 32,
 * 32 and 64 bytes, the server peer answers 80, 56 and 56, each exchange starting on the client's
 * event loop once the previous answer is in, as the model's next frame does.
 *
 * <p>Both chain {@value #BATCH} interrupts on the event loops per JMH call (see
 * {@link ForwardedReadBenchmark} for why), starting and ending on the model's I/O thread. Transports
 * and set-up/tear-down as there; left out of {@code AllocationFreeTest} for the same reasons.
 */
public class ModelInterruptBenchmark extends AbstractIrqsimBenchmark {

    /** Interrupts chained per JMH call. */
    public static final int BATCH = 200;

    /** Bytes the model's side sends in each of the three exchanges of one interrupt. */
    static final int[] MODEL_SENDS = {SocketBench.SET_INTX, SocketBench.IOREQ_REPLY,
        SocketBench.SET_INTX + SocketBench.IOREQ_REPLY};
    /** Bytes the server's side answers in each. */
    static final int[] SERVER_ANSWERS = {SocketBench.IOREQ + SocketBench.SET_INTX_REPLY, SocketBench.IOREQ,
        SocketBench.SET_INTX_REPLY + SocketBench.EOI};

    /** The default scenario served, the example model attached over the transport. */
    @State(Scope.Benchmark)
    public static class Dm {
        /** {@code tcp} or {@code unix}. */
        @Param({"tcp", "unix"})
        public String transport;

        DmLoopback dm;

        /** Starts the server and the model, runs a batch and checks the guest handled every interrupt. */
        @Setup
        public void setup() {
            dm = SocketBench.loopback(SocketBench.transport(transport));
            SocketBench.await(dm.interrupts(BATCH));
            final ExampleNicModel.Stats st = dm.model().stats().join();
            if (st.acked() != BATCH || st.eois() != BATCH || st.coalesced() != 0 || st.failures() != 0) {
                throw new IllegalStateException("the guest did not handle every interrupt: " + st);
            }
        }

        /** Stops the model (GOODBYE) and the server, with their threads. */
        @TearDown
        public void tearDown() {
            dm.close();
        }
    }

    /** The echo pair playing the three exchanges of an interrupt, started by the model's side. */
    @State(Scope.Benchmark)
    public static class Echo {
        /** {@code tcp} or {@code unix}. */
        @Param({"tcp", "unix"})
        public String transport;

        RawEcho echo;

        /** Starts and connects the peers. */
        @Setup
        public void setup() {
            echo = SocketBench.echo(SocketBench.transport(transport), RawEcho.Initiator.CLIENT, MODEL_SENDS,
                SERVER_ANSWERS);
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
    public long interrupts(final Dm s) {
        return SocketBench.await(s.dm.interrupts(BATCH));
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
}
