package io.irqsim.dm.net.proto;

import io.netty.channel.CombinedChannelDuplexHandler;

/**
 * The protocol's codec for one channel: a {@link DmFrameDecoder} for the given side and a
 * {@link DmFrameEncoder}, as one pipeline handler.
 */
public final class DmCodec extends CombinedChannelDuplexHandler<DmFrameDecoder, DmFrameEncoder> {

    /**
     * @param role the side the channel is on
     */
    public DmCodec(final DmFrameDecoder.Role role) {
        super(new DmFrameDecoder(role), new DmFrameEncoder());
    }

    /** @return the decoder (to raise its frame limit after the handshake) */
    public DmFrameDecoder decoder() {
        return inboundHandler();
    }
}
