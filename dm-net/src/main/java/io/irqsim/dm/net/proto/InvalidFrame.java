package io.irqsim.dm.net.proto;

/**
 * What the decoder emits instead of a {@link DmFrame} for input it refuses: a message error (the
 * frame was consumed whole; the connection can go on) or a fatal one (the stream cannot be
 * trusted; the decoder discards everything after it). The header fields are those read, or 0
 * when the header itself was refused.
 *
 * @param type the frame's type
 * @param flags its flags
 * @param device its device id
 * @param id its request id
 * @param code the {@link ErrorCodes} code to answer with
 * @param text why
 */
public record InvalidFrame(int type, int flags, int device, long id, int code, String text) {

    /** @return whether the connection has to be closed */
    public boolean fatal() {
        return ErrorCodes.isFatal(code);
    }

    /** @return whether the refused frame was itself a reply */
    public boolean wasReply() {
        return (flags & FrameDescriptor.FLAG_REPLY) != 0;
    }

    @Override
    public String toString() {
        return ErrorCodes.name(code) + " (" + Opcodes.describe(type) + " id " + id + "): " + text;
    }
}
