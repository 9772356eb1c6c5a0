package io.irqsim.dm.net.proto;

/**
 * Error codes carried by {@link Opcodes#ERROR} frames. Codes below {@code 0x0100} are
 * <em>fatal</em>: the stream or the session can no longer be trusted, so the sender sends that one
 * ERROR frame and closes the connection. Codes from {@code 0x0100} are <em>message errors</em>:
 * one well-framed message was refused (its whole payload was consumed), the ERROR frame carries
 * its request id, and the connection stays up. Before the handshake has completed every error
 * is fatal, whatever its code.
 */
public final class ErrorCodes {

    /** The frame does not start with the magic: the byte stream is out of step. Fatal. */
    public static final int BAD_MAGIC = 0x0001;
    /** The header's major version, or HELLO's, is not this side's. Fatal. */
    public static final int VERSION_MISMATCH = 0x0002;
    /** The payload length exceeds the negotiated maximum frame length. Fatal. */
    public static final int FRAME_TOO_LONG = 0x0003;
    /** The peer closed its sending side in the middle of a frame. Fatal. */
    public static final int TRUNCATED = 0x0004;
    /** The first frame was not a HELLO request. Fatal. */
    public static final int HANDSHAKE_REQUIRED = 0x0005;
    /** A HELLO after the handshake. Fatal. */
    public static final int HANDSHAKE_REPEATED = 0x0006;
    /** HELLO announced impossible limits (maximum frame below 256 or above 16 MiB, no devices). Fatal. */
    public static final int BAD_HELLO = 0x0007;
    /** A side requires a feature the other does not offer. Fatal. */
    public static final int FEATURE_REQUIRED = 0x0008;
    /** The peer sent more invalid messages than the server tolerates. Fatal. */
    public static final int TOO_MANY_ERRORS = 0x0009;
    /** The model did not answer an IOREQ before its deadline: it is treated as gone. Fatal. */
    public static final int DEADLINE_EXPIRED = 0x000A;
    /** The server is shutting down. Fatal. */
    public static final int SHUTTING_DOWN = 0x000B;
    /** No complete HELLO in time after connecting, or no complete frame for the idle timeout. Fatal. */
    public static final int TIMED_OUT = 0x000C;
    /** The server holds its maximum number of connections; sent instead of a session. Fatal. */
    public static final int SERVER_FULL = 0x000D;

    /** No such message type in the negotiated version. */
    public static final int UNKNOWN_TYPE = 0x0100;
    /** The payload length is not the one the type (and reply flag) needs. */
    public static final int BAD_LENGTH = 0x0101;
    /** A reserved field of the header or payload is not zero. */
    public static final int RESERVED_NONZERO = 0x0102;
    /** Undefined flag bits, REPLY with POSTED, a wrong origin bit, or POSTED on a type that cannot be. */
    public static final int BAD_FLAGS = 0x0103;
    /** A field outside its protocol range (a level other than 0/1, an access size other than 1/2/4/8, ...). */
    public static final int BAD_VALUE = 0x0104;
    /** A type the receiving side never accepts in that role (an IOREQ request from the model, ...). */
    public static final int WRONG_DIRECTION = 0x0105;
    /** The message needs a feature that was not negotiated. */
    public static final int NOT_NEGOTIATED = 0x0106;
    /** The request needs an ATTACH first. */
    public static final int NOT_ATTACHED = 0x0107;
    /** The session is already attached to a domain. */
    public static final int ALREADY_ATTACHED = 0x0108;
    /** No domain with that id or name. */
    public static final int NO_SUCH_DOMAIN = 0x0109;
    /** The domain cannot get an external device model (the hardware domain, not HVM, no PCI bus, too many). */
    public static final int DOMAIN_REFUSED = 0x010A;
    /** The device id is not one of this session's devices (of the kind the message needs). */
    public static final int NO_SUCH_DEVICE = 0x010B;
    /** The range overlaps a range already mapped or claimed in the domain. */
    public static final int OVERLAP = 0x010C;
    /** The guest PCI slot is taken. */
    public static final int SLOT_BUSY = 0x010D;
    /** The session's device limit (negotiated maximum devices) is reached. */
    public static final int LIMIT = 0x010E;
    /** A reply to no pending request (unknown id, or already completed or expired). */
    public static final int UNKNOWN_REPLY = 0x010F;
    /** The hypercall the request maps to failed; the ERROR frame carries Xen's errno. */
    public static final int HYPERVISOR = 0x0110;
    /** BIND_PT_IRQ of a physical device that is not assigned to the session's domain. */
    public static final int NOT_ASSIGNED = 0x0111;
    /** Sent by a model: it could not handle an IOREQ (no handler, or the handler failed). */
    public static final int MODEL_FAULT = 0x0112;

    private ErrorCodes() {
    }

    /**
     * @param code an error code
     * @return whether the sender closes the connection after it
     */
    public static boolean isFatal(final int code) {
        return code < 0x0100;
    }

    /**
     * @param code an error code
     * @return its name, or {@code 0x....} if unknown
     */
    public static String name(final int code) {
        switch (code) {
            case BAD_MAGIC: return "BAD_MAGIC";
            case VERSION_MISMATCH: return "VERSION_MISMATCH";
            case FRAME_TOO_LONG: return "FRAME_TOO_LONG";
            case TRUNCATED: return "TRUNCATED";
            case HANDSHAKE_REQUIRED: return "HANDSHAKE_REQUIRED";
            case HANDSHAKE_REPEATED: return "HANDSHAKE_REPEATED";
            case BAD_HELLO: return "BAD_HELLO";
            case FEATURE_REQUIRED: return "FEATURE_REQUIRED";
            case TOO_MANY_ERRORS: return "TOO_MANY_ERRORS";
            case DEADLINE_EXPIRED: return "DEADLINE_EXPIRED";
            case SHUTTING_DOWN: return "SHUTTING_DOWN";
            case TIMED_OUT: return "TIMED_OUT";
            case SERVER_FULL: return "SERVER_FULL";
            case UNKNOWN_TYPE: return "UNKNOWN_TYPE";
            case BAD_LENGTH: return "BAD_LENGTH";
            case RESERVED_NONZERO: return "RESERVED_NONZERO";
            case BAD_FLAGS: return "BAD_FLAGS";
            case BAD_VALUE: return "BAD_VALUE";
            case WRONG_DIRECTION: return "WRONG_DIRECTION";
            case NOT_NEGOTIATED: return "NOT_NEGOTIATED";
            case NOT_ATTACHED: return "NOT_ATTACHED";
            case ALREADY_ATTACHED: return "ALREADY_ATTACHED";
            case NO_SUCH_DOMAIN: return "NO_SUCH_DOMAIN";
            case DOMAIN_REFUSED: return "DOMAIN_REFUSED";
            case NO_SUCH_DEVICE: return "NO_SUCH_DEVICE";
            case OVERLAP: return "OVERLAP";
            case SLOT_BUSY: return "SLOT_BUSY";
            case LIMIT: return "LIMIT";
            case UNKNOWN_REPLY: return "UNKNOWN_REPLY";
            case HYPERVISOR: return "HYPERVISOR";
            case NOT_ASSIGNED: return "NOT_ASSIGNED";
            case MODEL_FAULT: return "MODEL_FAULT";
            default: return String.format("0x%04x", code);
        }
    }

    /** @return every code this version defines, in numeric order */
    public static int[] all() {
        return new int[] {BAD_MAGIC, VERSION_MISMATCH, FRAME_TOO_LONG, TRUNCATED, HANDSHAKE_REQUIRED,
            HANDSHAKE_REPEATED, BAD_HELLO, FEATURE_REQUIRED, TOO_MANY_ERRORS, DEADLINE_EXPIRED, SHUTTING_DOWN,
            TIMED_OUT, SERVER_FULL, UNKNOWN_TYPE, BAD_LENGTH, RESERVED_NONZERO, BAD_FLAGS, BAD_VALUE, WRONG_DIRECTION, NOT_NEGOTIATED,
            NOT_ATTACHED, ALREADY_ATTACHED, NO_SUCH_DOMAIN, DOMAIN_REFUSED, NO_SUCH_DEVICE, OVERLAP, SLOT_BUSY, LIMIT,
            UNKNOWN_REPLY, HYPERVISOR, NOT_ASSIGNED, MODEL_FAULT};
    }
}
