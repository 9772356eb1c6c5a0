package io.irqsim.dm.net.server;

import io.irqsim.dm.net.proto.Features;
import io.irqsim.dm.net.proto.FrameDescriptor;

import java.time.Duration;

/**
 * What the device-model server announces and enforces.
 *
 * @param ioreqTimeout how long a model may take to answer an IOREQ; past it the guest's access
 *     completes as unanswered (reads all ones, writes dropped) and the session ends with
 *     DEADLINE_EXPIRED (QEMU's vfio-user client waits 5 s by default, after 1 s proved too short
 *     under load)
 * @param maxFrame the largest frame the server accepts (header included); the session uses the
 *     smaller of this and the model's
 * @param maxDevices most devices (ranges or PCI functions) one session may register
 * @param maxProtocolErrors invalid frames (and replies to no request) a session may send before
 *     the server gives up on it (TOO_MANY_ERRORS)
 * @param features feature bits the server offers
 * @param requiredFeatures feature bits the server requires of a model
 * @param maxSessionsPerDomain most models attached to one domain at a time (Xen's
 *     {@code MAX_NR_IOREQ_SERVERS}, 8)
 * @param limits the server-wide limits on connections (timeouts, cap, notice budget, reports kept)
 */
public record DmServerConfig(Duration ioreqTimeout, int maxFrame, int maxDevices, int maxProtocolErrors,
                             long features, long requiredFeatures, int maxSessionsPerDomain, Limits limits) {

    /** The longest any of the deadlines may be: a day (far from where nanoseconds overflow a long). */
    public static final Duration MAX_TIMEOUT = Limits.MAX_TIMEOUT;
    /** Most devices per session: the handshake's 16-bit "max devices" field (docs/protocol.md). */
    public static final int MAX_DEVICES_LIMIT = 0xFFFF;

    /**
     * How long and how many: what keeps a connection that does nothing useful from staying forever,
     * and the server's memory bounded however many connections come and go.
     *
     * @param handshakeTimeout how long a connection may take to complete its HELLO
     * @param idleTimeout how long a session may go without sending a complete frame ({@link Duration#ZERO}: no
     *     limit); a model with nothing to say sends PING (the Java client does, after a quarter of it)
     * @param maxConnections most connections open at once, handshakes included; one more gets SERVER_FULL
     * @param maxNotices ERROR notices a model may send in one session (each is logged) before the server ends
     *     the session (TOO_MANY_ERRORS)
     * @param keptReports reports of ended sessions kept for {@link DmService#endedSessions} (the oldest go)
     */
    public record Limits(Duration handshakeTimeout, Duration idleTimeout, int maxConnections, int maxNotices,
                         int keptReports) {

        /**
         * The longest a timeout may be (declared here, before {@link #DEFAULT}, so that this class
         * initialises without the outer one, whichever is used first).
         */
        static final Duration MAX_TIMEOUT = Duration.ofDays(1);

        /** 10 s to say HELLO, 5 min idle, 256 connections, 64 notices, the last 64 reports. */
        public static final Limits DEFAULT = new Limits(Duration.ofSeconds(10), Duration.ofMinutes(5), 256, 64, 64);

        /**
         * @throws IllegalArgumentException for a limit out of its range
         */
        public Limits {
            if (handshakeTimeout.isNegative() || handshakeTimeout.isZero() || handshakeTimeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException("the handshake timeout must be 1 ms..1 day, not " + handshakeTimeout);
            }
            if (idleTimeout.isNegative() || idleTimeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException("the idle timeout must be 0 (none)..1 day, not " + idleTimeout);
            }
            if (maxConnections < 1) {
                throw new IllegalArgumentException("at least one connection, not " + maxConnections);
            }
            if (maxNotices < 0) {
                throw new IllegalArgumentException("the notice budget cannot be negative");
            }
            if (keptReports < 0) {
                throw new IllegalArgumentException("the number of reports kept cannot be negative");
            }
        }

        /**
         * @param handshake handshake timeout
         * @param idle idle timeout (zero: none)
         * @return these limits with other timeouts
         */
        public Limits withTimeouts(final Duration handshake, final Duration idle) {
            return new Limits(handshake, idle, maxConnections, maxNotices, keptReports);
        }

        /**
         * @param connections most connections at once
         * @return these limits with another cap
         */
        public Limits withMaxConnections(final int connections) {
            return new Limits(handshakeTimeout, idleTimeout, connections, maxNotices, keptReports);
        }

        /**
         * @param notices ERROR notices a session may send
         * @return these limits with another budget
         */
        public Limits withMaxNotices(final int notices) {
            return new Limits(handshakeTimeout, idleTimeout, maxConnections, notices, keptReports);
        }

        /**
         * @param reports ended sessions' reports to keep
         * @return these limits with another number kept
         */
        public Limits withKeptReports(final int reports) {
            return new Limits(handshakeTimeout, idleTimeout, maxConnections, maxNotices, reports);
        }
    }

    /** The defaults: 5 s IOREQ deadline, 64 KiB frames, 16 devices, 256 errors, every feature, 8 models per domain. */
    public static final DmServerConfig DEFAULT = new DmServerConfig(Duration.ofSeconds(5),
        FrameDescriptor.DEFAULT_MAX_FRAME, 16, 256, Features.ALL, 0, 8, Limits.DEFAULT);

    /**
     * @throws IllegalArgumentException for values the protocol cannot carry
     */
    public DmServerConfig {
        if (ioreqTimeout.isNegative() || ioreqTimeout.isZero() || ioreqTimeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("the IOREQ deadline must be 1 ms..1 day, not " + ioreqTimeout);
        }
        if (maxFrame < FrameDescriptor.MIN_MAX_FRAME || maxFrame > FrameDescriptor.MAX_MAX_FRAME) {
            throw new IllegalArgumentException("the maximum frame must be " + FrameDescriptor.MIN_MAX_FRAME + ".."
                + FrameDescriptor.MAX_MAX_FRAME + " bytes, not " + maxFrame);
        }
        if (maxDevices < 1 || maxDevices > MAX_DEVICES_LIMIT) {
            throw new IllegalArgumentException("devices per session must be 1.." + MAX_DEVICES_LIMIT + ", not " + maxDevices);
        }
        if (maxProtocolErrors < 0) {
            throw new IllegalArgumentException("the protocol error budget cannot be negative");
        }
        if ((requiredFeatures & ~features) != 0) {
            throw new IllegalArgumentException("the server cannot require features it does not offer");
        }
        if (maxSessionsPerDomain < 1) {
            throw new IllegalArgumentException("at least one model per domain");
        }
        java.util.Objects.requireNonNull(limits, "limits");
    }

    /**
     * @param l the server-wide limits
     * @return this configuration with other limits
     */
    public DmServerConfig withLimits(final Limits l) {
        return new DmServerConfig(ioreqTimeout, maxFrame, maxDevices, maxProtocolErrors, features, requiredFeatures,
            maxSessionsPerDomain, l);
    }

    /**
     * @param timeout the IOREQ deadline
     * @return this configuration with another deadline
     */
    public DmServerConfig withIoreqTimeout(final Duration timeout) {
        return new DmServerConfig(timeout, maxFrame, maxDevices, maxProtocolErrors, features, requiredFeatures,
            maxSessionsPerDomain, limits);
    }

    /**
     * @param errors the protocol error budget
     * @return this configuration with another budget
     */
    public DmServerConfig withMaxProtocolErrors(final int errors) {
        return new DmServerConfig(ioreqTimeout, maxFrame, maxDevices, errors, features, requiredFeatures,
            maxSessionsPerDomain, limits);
    }

    /**
     * @param offered features offered
     * @param required features required
     * @return this configuration with other features
     */
    public DmServerConfig withFeatures(final long offered, final long required) {
        return new DmServerConfig(ioreqTimeout, maxFrame, maxDevices, maxProtocolErrors, offered, required,
            maxSessionsPerDomain, limits);
    }

    /**
     * @param max devices per session
     * @return this configuration with another device limit
     */
    public DmServerConfig withMaxDevices(final int max) {
        return new DmServerConfig(ioreqTimeout, maxFrame, max, maxProtocolErrors, features, requiredFeatures,
            maxSessionsPerDomain, limits);
    }
}
