package io.irqsim.dm.net.proto;

/**
 * The frame header of the irqsim device-model protocol (dm-net), in the style of Agrona's
 * {@code RecordDescriptor}: every frame is a 24-byte header followed by {@code payload length}
 * bytes of payload. Every field is little-endian. See {@code docs/protocol.md}.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+---------------+---------------+
 *  |     magic 0x4D44 ("DM")       |     major     |     flags     |  0
 *  +-------------------------------+---------------+---------------+
 *  |             type              |           device id           |  4
 *  +-------------------------------+-------------------------------+
 *  |                        request id (u64)                       |  8
 *  |                                                               | 12
 *  +---------------------------------------------------------------+
 *  |                     payload length (u32)                      | 16
 *  +---------------------------------------------------------------+
 *  |                      reserved (u32) = 0                       | 20
 *  +---------------------------------------------------------------+
 *  |                 payload (payload length bytes)               ...  24
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Flags: {@link #FLAG_REPLY} (this frame answers the request with the same id),
 * {@link #FLAG_POSTED} (a request that wants no reply on success), {@link #FLAG_MODEL_ORIGIN} (the
 * request id is from the device model's id space: set on the model's requests and on the
 * replies to them, clear on the server's requests and the replies to those). The other bits are
 * reserved and must be zero.
 */
public final class FrameDescriptor {

    /** Header length in bytes. */
    public static final int HEADER_LENGTH = 24;
    /** The magic as a little-endian u16: bytes {@code 44 4D} ("DM") on the wire. */
    public static final int MAGIC = 0x4D44;
    /** The protocol major version this implementation speaks. */
    public static final int MAJOR = 1;
    /** The protocol minor version this implementation speaks. */
    public static final int MINOR = 0;

    /** Offset of the magic (u16). */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the major version (u8). */
    public static final int MAJOR_OFFSET = 2;
    /** Offset of the flags (u8). */
    public static final int FLAGS_OFFSET = 3;
    /** Offset of the message type (u16). */
    public static final int TYPE_OFFSET = 4;
    /** Offset of the device id (u16). */
    public static final int DEVICE_OFFSET = 6;
    /** Offset of the request id (u64). */
    public static final int REQUEST_ID_OFFSET = 8;
    /** Offset of the payload length (u32, header excluded). */
    public static final int LENGTH_OFFSET = 16;
    /** Offset of the reserved word (u32, must be zero). */
    public static final int RESERVED_OFFSET = 20;

    /** Flag: a reply to the request with the same id. */
    public static final int FLAG_REPLY = 0x01;
    /** Flag: a request that wants no reply unless it fails. */
    public static final int FLAG_POSTED = 0x02;
    /** Flag: the request id belongs to the device model's id space. */
    public static final int FLAG_MODEL_ORIGIN = 0x04;
    /** Every defined flag bit; the others must be zero. */
    public static final int FLAGS_DEFINED = FLAG_REPLY | FLAG_POSTED | FLAG_MODEL_ORIGIN;

    /** Smallest maximum frame length a peer may announce (header included). */
    public static final int MIN_MAX_FRAME = 256;
    /** Largest maximum frame length a peer may announce (header included). */
    public static final int MAX_MAX_FRAME = 16 << 20;
    /** Frame length limit before the handshake (header included): HELLO must fit. */
    public static final int HANDSHAKE_MAX_FRAME = 4096;
    /** Default maximum frame length this implementation announces. */
    public static final int DEFAULT_MAX_FRAME = 64 << 10;

    private FrameDescriptor() {
    }

    /**
     * @param flags a frame's flags
     * @return them as text, e.g. {@code REPLY|MODEL_ORIGIN}, or {@code 0}
     */
    public static String flagsToString(final int flags) {
        final StringBuilder sb = new StringBuilder();
        if ((flags & FLAG_REPLY) != 0) {
            sb.append("REPLY");
        }
        if ((flags & FLAG_POSTED) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("POSTED");
        }
        if ((flags & FLAG_MODEL_ORIGIN) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("MODEL_ORIGIN");
        }
        if ((flags & ~FLAGS_DEFINED) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append(String.format("0x%02x", flags & ~FLAGS_DEFINED));
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
