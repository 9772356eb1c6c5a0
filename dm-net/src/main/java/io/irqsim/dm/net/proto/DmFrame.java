package io.irqsim.dm.net.proto;

/**
 * One decoded (or to-be-encoded) frame: the header fields and the payload.
 *
 * @param type message type ({@link Opcodes})
 * @param flags header flags ({@link FrameDescriptor#FLAG_REPLY} ...)
 * @param device device id (0: the session itself)
 * @param id request id (0: none)
 * @param payload the payload
 */
public record DmFrame(int type, int flags, int device, long id, Payload payload) {

    /** @return whether it is a reply */
    public boolean isReply() {
        return (flags & FrameDescriptor.FLAG_REPLY) != 0;
    }

    /** @return whether it is a posted request */
    public boolean isPosted() {
        return (flags & FrameDescriptor.FLAG_POSTED) != 0;
    }

    /** @return whether its id is from the device model's id space */
    public boolean isModelOrigin() {
        return (flags & FrameDescriptor.FLAG_MODEL_ORIGIN) != 0;
    }

    /** @return the encoded length, header included */
    public int frameLength() {
        return FrameDescriptor.HEADER_LENGTH + payload.length();
    }

    /**
     * A reply to this request.
     *
     * @param replyPayload the reply's payload
     * @param replyDevice the device id to put in the reply's header
     * @return the reply frame
     */
    public DmFrame reply(final int replyDevice, final Payload replyPayload) {
        return new DmFrame(type, FrameDescriptor.FLAG_REPLY | (flags & FrameDescriptor.FLAG_MODEL_ORIGIN), replyDevice,
            id, replyPayload);
    }

    @Override
    public String toString() {
        return Opcodes.describe(type) + "[" + FrameDescriptor.flagsToString(flags) + " dev " + device + " id " + id
            + "] " + payload;
    }
}
