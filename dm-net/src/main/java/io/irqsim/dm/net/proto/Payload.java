package io.irqsim.dm.net.proto;

import io.netty.buffer.ByteBuf;

/**
 * A frame's payload: one of the {@link Msg} records. Each knows its encoded length and writes
 * itself little-endian; decoding (with validation) is {@link PayloadCodec}'s.
 */
public sealed interface Payload permits Msg.Hello, Msg.Error, Msg.Ping, Msg.Goodbye, Msg.Empty, Msg.Attach,
    Msg.Attached, Msg.RegisterMmio, Msg.RegisterPio, Msg.Registered, Msg.RegisterPci, Msg.PciRegistered,
    Msg.SetIntx, Msg.SetIsaIrq, Msg.SetPciLinkRoute, Msg.InjectMsi, Msg.BindPtIrq, Msg.PtIrqBound, Msg.Ioreq,
    Msg.IoreqDone, Msg.Eoi {

    /** @return the encoded payload length in bytes */
    int length();

    /**
     * Writes the payload at the buffer's writer index.
     *
     * @param out the buffer
     */
    void encode(ByteBuf out);
}
