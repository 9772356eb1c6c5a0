package io.irqsim.dm.net;

import io.irqsim.dm.net.proto.FrameDescriptor;
import io.irqsim.dm.net.proto.Msg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the socket benchmarks share: the {@code transport} parameter's values, the frame sizes of
 * the device-model protocol their echo baselines copy, and waiting for a batch.
 */
final class SocketBench {

    /** An IOREQ request frame: header and the 32-byte payload (56 bytes). */
    static final int IOREQ = FrameDescriptor.HEADER_LENGTH + Msg.Ioreq.LENGTH;
    /** An IOREQ reply frame: header and the 8-byte value (32 bytes). */
    static final int IOREQ_REPLY = FrameDescriptor.HEADER_LENGTH + 8;
    /** A SET_INTX request frame (32 bytes). */
    static final int SET_INTX = FrameDescriptor.HEADER_LENGTH + 8;
    /** A SET_INTX reply frame: header only (24 bytes). */
    static final int SET_INTX_REPLY = FrameDescriptor.HEADER_LENGTH;
    /** An EOI notice frame (32 bytes). */
    static final int EOI = FrameDescriptor.HEADER_LENGTH + 8;

    /** How long a batch may take before the benchmark gives up (a lost frame would hang it). */
    static final long BATCH_TIMEOUT_SECONDS = 60;

    private SocketBench() {
    }

    /**
     * @param name the {@code transport} parameter: {@code tcp} or {@code unix}
     * @return the transport
     * @throws IllegalStateException for {@code unix} where Netty's epoll transport is missing
     *     (JMH cannot skip one value of a parameter: run with {@code -p transport=tcp} there)
     */
    static DmLoopback.Transport transport(final String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "tcp":
                return DmLoopback.Transport.TCP;
            case "unix":
                if (!DmTransport.epollAvailable()) {
                    throw new IllegalStateException("transport=unix needs Netty's native epoll transport (Linux"
                        + " x86_64), which is not available here (" + DmTransport.epollUnavailabilityCause()
                        + "); run the TCP half only with -p transport=tcp");
                }
                return DmLoopback.Transport.UNIX;
            default:
                throw new IllegalArgumentException("transport must be tcp or unix, not '" + name + "'");
        }
    }

    /**
     * Waits for a batch.
     *
     * @param batch its future
     * @return its value
     */
    static long await(final CompletableFuture<Long> batch) {
        try {
            return batch.get(BATCH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (final ExecutionException e) {
            throw new IllegalStateException("the batch failed: " + e.getCause(), e.getCause());
        } catch (final TimeoutException e) {
            throw new IllegalStateException("the batch did not finish in " + BATCH_TIMEOUT_SECONDS + " s", e);
        }
    }

    /**
     * Starts the device-model loopback.
     *
     * @param transport the transport
     * @return it, started
     */
    static DmLoopback loopback(final DmLoopback.Transport transport) {
        try {
            return DmLoopback.start(transport);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Starts an echo pair.
     *
     * @param transport the transport
     * @param who which peer initiates
     * @param requests bytes sent per exchange
     * @param replies bytes answered per exchange
     * @return it, started
     */
    static RawEcho echo(final DmLoopback.Transport transport, final RawEcho.Initiator who, final int[] requests,
                        final int[] replies) {
        try {
            return RawEcho.start(transport, who, requests, replies);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
