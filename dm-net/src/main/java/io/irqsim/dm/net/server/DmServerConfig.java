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
 */
public record DmServerConfig(Duration ioreqTimeout, int maxFrame, int maxDevices, int maxProtocolErrors,
                             long features, long requiredFeatures, int maxSessionsPerDomain) {

    /** The defaults: 5 s IOREQ deadline, 64 KiB frames, 16 devices, 256 errors, every feature, 8 models per domain. */
    public static final DmServerConfig DEFAULT = new DmServerConfig(Duration.ofSeconds(5),
        FrameDescriptor.DEFAULT_MAX_FRAME, 16, 256, Features.ALL, 0, 8);

    /**
     * @throws IllegalArgumentException for values the protocol cannot carry
     */
    public DmServerConfig {
        if (ioreqTimeout.isNegative() || ioreqTimeout.isZero()) {
            throw new IllegalArgumentException("the IOREQ deadline must be positive, not " + ioreqTimeout);
        }
        if (maxFrame < FrameDescriptor.MIN_MAX_FRAME || maxFrame > FrameDescriptor.MAX_MAX_FRAME) {
            throw new IllegalArgumentException("the maximum frame must be " + FrameDescriptor.MIN_MAX_FRAME + ".."
                + FrameDescriptor.MAX_MAX_FRAME + " bytes, not " + maxFrame);
        }
        if (maxDevices < 1 || maxDevices > 0xFFFF) {
            throw new IllegalArgumentException("devices per session must be 1..65535, not " + maxDevices);
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
    }

    /**
     * @param timeout the IOREQ deadline
     * @return this configuration with another deadline
     */
    public DmServerConfig withIoreqTimeout(final Duration timeout) {
        return new DmServerConfig(timeout, maxFrame, maxDevices, maxProtocolErrors, features, requiredFeatures,
            maxSessionsPerDomain);
    }

    /**
     * @param errors the protocol error budget
     * @return this configuration with another budget
     */
    public DmServerConfig withMaxProtocolErrors(final int errors) {
        return new DmServerConfig(ioreqTimeout, maxFrame, maxDevices, errors, features, requiredFeatures,
            maxSessionsPerDomain);
    }

    /**
     * @param offered features offered
     * @param required features required
     * @return this configuration with other features
     */
    public DmServerConfig withFeatures(final long offered, final long required) {
        return new DmServerConfig(ioreqTimeout, maxFrame, maxDevices, maxProtocolErrors, offered, required,
            maxSessionsPerDomain);
    }

    /**
     * @param max devices per session
     * @return this configuration with another device limit
     */
    public DmServerConfig withMaxDevices(final int max) {
        return new DmServerConfig(ioreqTimeout, maxFrame, max, maxProtocolErrors, features, requiredFeatures,
            maxSessionsPerDomain);
    }
}
