package io.irqsim.dm.net.proto;

import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;

import static io.irqsim.dm.net.proto.ErrorCodes.BAD_LENGTH;
import static io.irqsim.dm.net.proto.ErrorCodes.BAD_VALUE;
import static io.irqsim.dm.net.proto.ErrorCodes.RESERVED_NONZERO;
import static io.irqsim.dm.net.proto.ErrorCodes.UNKNOWN_TYPE;

/**
 * Decodes and validates payloads. Checks here are the protocol's own: exact lengths, reserved
 * fields zero, fields inside their protocol ranges (levels 0/1, access sizes, PCI header fields).
 * What only the machine can judge (does the domain exist, does Xen accept the ISA IRQ) is for
 * the session. Reads at absolute indexes; allocates only the resulting record.
 */
public final class PayloadCodec {

    /** Smallest maximum BAR size accepted in REGISTER_PCI (PCI's minimum for a memory BAR). */
    public static final long MIN_BAR = 16;
    /** Largest BAR, and the most all of a function's BARs may take together: one 64 KiB window per slot. */
    public static final long MAX_BARS_TOTAL = 0x10000;

    private PayloadCodec() {
    }

    /**
     * Decodes a payload.
     *
     * @param type message type
     * @param reply whether the frame is a reply
     * @param in the buffer
     * @param index where the payload starts
     * @param length payload length
     * @return the payload
     * @throws PayloadException if it is not acceptable
     */
    public static Payload decode(final int type, final boolean reply, final ByteBuf in, final int index,
                                 final int length) throws PayloadException {
        switch (type) {
            case Opcodes.HELLO: return hello(in, index, length);
            case Opcodes.ERROR: return error(in, index, length);
            case Opcodes.PING:
                exact(type, reply, length, 8);
                return new Msg.Ping(in.getLongLE(index));
            case Opcodes.GOODBYE:
                if (reply) {
                    return empty(type, length);
                }
                exact(type, false, length, 8);
                zero(in, index + 4, 4, "GOODBYE bytes 4..7");
                return new Msg.Goodbye(in.getIntLE(index));
            case Opcodes.ATTACH: return reply ? attached(in, index, length) : attach(in, index, length);
            case Opcodes.REGISTER_MMIO: return reply ? registered(in, index, length) : registerMmio(in, index, length);
            case Opcodes.REGISTER_PIO: return reply ? registered(in, index, length) : registerPio(in, index, length);
            case Opcodes.REGISTER_PCI: return reply ? pciRegistered(in, index, length) : registerPci(in, index, length);
            case Opcodes.SET_INTX:
                if (reply) {
                    return empty(type, length);
                }
                exact(type, false, length, 8);
                zero(in, index + 1, 7, "SET_INTX bytes 1..7");
                return new Msg.SetIntx(level(in.getUnsignedByte(index)));
            case Opcodes.SET_ISA_IRQ:
                if (reply) {
                    return empty(type, length);
                }
                exact(type, false, length, 8);
                zero(in, index + 2, 6, "SET_ISA_IRQ bytes 2..7");
                return new Msg.SetIsaIrq(in.getUnsignedByte(index), level(in.getUnsignedByte(index + 1)));
            case Opcodes.SET_PCI_LINK_ROUTE:
                if (reply) {
                    return empty(type, length);
                }
                exact(type, false, length, 8);
                zero(in, index + 2, 6, "SET_PCI_LINK_ROUTE bytes 2..7");
                return new Msg.SetPciLinkRoute(in.getUnsignedByte(index), in.getUnsignedByte(index + 1));
            case Opcodes.INJECT_MSI:
                if (reply) {
                    return empty(type, length);
                }
                exact(type, false, length, 16);
                zero(in, index + 12, 4, "INJECT_MSI bytes 12..15");
                return new Msg.InjectMsi(in.getLongLE(index), in.getIntLE(index + 8));
            case Opcodes.BIND_PT_IRQ:
                if (reply) {
                    exact(type, true, length, 8);
                    zero(in, index + 4, 4, "BIND_PT_IRQ reply bytes 4..7");
                    return new Msg.PtIrqBound(in.getIntLE(index));
                }
                exact(type, false, length, 8);
                zero(in, index + 6, 2, "BIND_PT_IRQ bytes 6..7");
                if (in.getUnsignedByte(index + 4) > 31 || in.getUnsignedByte(index + 5) > 3) {
                    // xen_pt_realize's values: a guest PCI device 0..31 and INTA..INTD
                    throw new PayloadException(BAD_VALUE, "BIND_PT_IRQ guest device " + in.getUnsignedByte(index + 4)
                        + " (must be 0..31), INTx " + in.getUnsignedByte(index + 5) + " (must be 0..3)");
                }
                return new Msg.BindPtIrq(in.getUnsignedShortLE(index), in.getUnsignedByte(index + 2),
                    in.getUnsignedByte(index + 3), in.getUnsignedByte(index + 4), in.getUnsignedByte(index + 5));
            case Opcodes.IOREQ:
                if (reply) {
                    exact(type, true, length, 8);
                    return new Msg.IoreqDone(in.getLongLE(index));
                }
                return ioreq(in, index, length);
            case Opcodes.EOI:
                exact(type, reply, length, 8);
                zero(in, index + 4, 4, "EOI bytes 4..7");
                return new Msg.Eoi(in.getIntLE(index));
            default:
                throw new PayloadException(UNKNOWN_TYPE, "unknown message type " + Opcodes.describe(type));
        }
    }

    private static Msg.Hello hello(final ByteBuf in, final int index, final int length) throws PayloadException {
        if (length < Msg.Hello.LENGTH || length > 256) {
            throw new PayloadException(BAD_LENGTH, "HELLO payload is " + length + " bytes, not 32..256");
        }
        zero(in, index + 2, 2, "HELLO bytes 2..3");
        zero(in, index + 10, 6, "HELLO bytes 10..15");
        return new Msg.Hello(in.getUnsignedByte(index), in.getUnsignedByte(index + 1), in.getUnsignedIntLE(index + 4),
            in.getUnsignedShortLE(index + 8), in.getLongLE(index + 16), in.getLongLE(index + 24));
    }

    private static Msg.Error error(final ByteBuf in, final int index, final int length) throws PayloadException {
        if (length < Msg.Error.FIXED_LENGTH || length > Msg.Error.FIXED_LENGTH + Msg.MAX_TEXT) {
            throw new PayloadException(BAD_LENGTH, "ERROR payload is " + length + " bytes, not 8..264");
        }
        return new Msg.Error(in.getUnsignedShortLE(index), in.getUnsignedShortLE(index + 2), in.getIntLE(index + 4),
            Msg.utf8(in, index + 8, length - 8));
    }

    private static Msg.Attach attach(final ByteBuf in, final int index, final int length) throws PayloadException {
        if (length < Msg.Attach.FIXED_LENGTH) {
            throw new PayloadException(BAD_LENGTH, "ATTACH payload is " + length + " bytes, at least 8 needed");
        }
        final int domid = in.getIntLE(index);
        final int n = in.getUnsignedShortLE(index + 4);
        zero(in, index + 6, 2, "ATTACH bytes 6..7");
        if (length != Msg.Attach.FIXED_LENGTH + n) {
            throw new PayloadException(BAD_LENGTH, "ATTACH payload is " + length + " bytes, but its name length "
                + n + " makes " + (Msg.Attach.FIXED_LENGTH + n));
        }
        if (n > Msg.MAX_NAME) {
            throw new PayloadException(BAD_VALUE, "ATTACH name is " + n + " bytes, at most 64");
        }
        if (domid == Msg.DOMID_BY_NAME && n == 0) {
            throw new PayloadException(BAD_VALUE, "ATTACH by name (domain id 0xffffffff) without a name");
        }
        if (domid != Msg.DOMID_BY_NAME && n != 0) {
            throw new PayloadException(BAD_VALUE, "ATTACH with both a domain id and a name");
        }
        return new Msg.Attach(domid, Msg.utf8(in, index + 8, n));
    }

    private static Msg.Attached attached(final ByteBuf in, final int index, final int length) throws PayloadException {
        exact(Opcodes.ATTACH, true, length, 16);
        zero(in, index + 12, 4, "ATTACH reply bytes 12..15");
        return new Msg.Attached(in.getIntLE(index), in.getIntLE(index + 4), in.getUnsignedShortLE(index + 8),
            in.getUnsignedShortLE(index + 10));
    }

    private static Msg.RegisterMmio registerMmio(final ByteBuf in, final int index, final int length)
        throws PayloadException {
        exact(Opcodes.REGISTER_MMIO, false, length, 16);
        final long base = in.getLongLE(index);
        final long size = in.getLongLE(index + 8);
        if (size == 0) {
            throw new PayloadException(BAD_VALUE, "REGISTER_MMIO of an empty range");
        }
        if (size < 0) {
            // 2^63 bytes and up: past any guest-physical address space (x86-64 has at most 2^52)
            throw new PayloadException(BAD_VALUE, String.format("REGISTER_MMIO length 0x%x is 2^63 or more",
                size));
        }
        if (Long.compareUnsigned(base + size - 1, base) < 0) {
            throw new PayloadException(BAD_VALUE, String.format("REGISTER_MMIO range 0x%x + 0x%x wraps past 2^64",
                base, size));
        }
        return new Msg.RegisterMmio(base, size);
    }

    private static Msg.RegisterPio registerPio(final ByteBuf in, final int index, final int length)
        throws PayloadException {
        exact(Opcodes.REGISTER_PIO, false, length, 8);
        zero(in, index + 4, 4, "REGISTER_PIO bytes 4..7");
        final int port = in.getUnsignedShortLE(index);
        final int count = in.getUnsignedShortLE(index + 2);
        if (count == 0 || port + count > 0x10000) {
            throw new PayloadException(BAD_VALUE, String.format("REGISTER_PIO ports 0x%x + %d: count must be 1.."
                + "and end at 0xffff at the most", port, count));
        }
        return new Msg.RegisterPio(port, count);
    }

    private static Msg.Registered registered(final ByteBuf in, final int index, final int length)
        throws PayloadException {
        exact(Opcodes.REGISTER_MMIO, true, length, 8);
        zero(in, index + 4, 4, "REGISTER reply bytes 4..7");
        return new Msg.Registered(in.getIntLE(index));
    }

    private static Msg.RegisterPci registerPci(final ByteBuf in, final int index, final int length)
        throws PayloadException {
        exact(Opcodes.REGISTER_PCI, false, length, Msg.RegisterPci.LENGTH);
        zero(in, index + 3, 1, "REGISTER_PCI byte 3");
        zero(in, index + 11, 1, "REGISTER_PCI byte 11 (class code top byte)");
        zero(in, index + 36, 4, "REGISTER_PCI bytes 36..39");
        final int slot = in.getUnsignedByte(index);
        final int function = in.getUnsignedByte(index + 1);
        final int pin = in.getUnsignedByte(index + 2);
        final int vendor = in.getUnsignedShortLE(index + 4);
        if (slot < 1 || slot > 31) {
            throw new PayloadException(BAD_VALUE, "REGISTER_PCI slot " + slot + " is not 1..31 (0 is the host bridge)");
        }
        if (function != 0) {
            throw new PayloadException(BAD_VALUE, "REGISTER_PCI function " + function + ": only function 0 is supported");
        }
        if (pin > 4) {
            throw new PayloadException(BAD_VALUE, "REGISTER_PCI interrupt pin " + pin + " is not 0..4");
        }
        if (vendor == 0xFFFF) {
            throw new PayloadException(BAD_VALUE, "REGISTER_PCI vendor id 0xffff means 'no function'");
        }
        final List<Long> sizes = new ArrayList<>(Msg.BARS);
        long total = 0;
        for (int i = 0; i < Msg.BARS; i++) {
            final long s = in.getUnsignedIntLE(index + 12 + 4 * i);
            if (s != 0 && (Long.bitCount(s) != 1 || s < MIN_BAR || s > MAX_BARS_TOTAL)) {
                throw new PayloadException(BAD_VALUE, "REGISTER_PCI BAR" + i + " size " + s
                    + " is not 0 or a power of two 16..65536");
            }
            total += s;
            sizes.add(s);
        }
        if (total > MAX_BARS_TOTAL) {
            throw new PayloadException(BAD_VALUE, "REGISTER_PCI BARs take " + total + " bytes, more than the 64 KiB"
                + " window of a slot");
        }
        return new Msg.RegisterPci(slot, function, pin, vendor, in.getUnsignedShortLE(index + 6),
            in.getIntLE(index + 8), sizes);
    }

    private static Msg.PciRegistered pciRegistered(final ByteBuf in, final int index, final int length)
        throws PayloadException {
        exact(Opcodes.REGISTER_PCI, true, length, Msg.PciRegistered.LENGTH);
        zero(in, index + 4, 4, "REGISTER_PCI reply bytes 4..7");
        final List<Long> bars = new ArrayList<>(Msg.BARS);
        for (int i = 0; i < Msg.BARS; i++) {
            bars.add(in.getLongLE(index + 8 + 8 * i));
        }
        return new Msg.PciRegistered(in.getIntLE(index), bars);
    }

    private static Msg.Ioreq ioreq(final ByteBuf in, final int index, final int length) throws PayloadException {
        exact(Opcodes.IOREQ, false, length, Msg.Ioreq.LENGTH);
        zero(in, index + 6, 2, "IOREQ bytes 6..7");
        final int space = in.getUnsignedByte(index);
        final int dir = in.getUnsignedByte(index + 1);
        final int size = in.getUnsignedByte(index + 2);
        if (space > Msg.SPACE_PIO || dir > 1 || (size != 1 && size != 2 && size != 4 && size != 8)) {
            throw new PayloadException(BAD_VALUE, "IOREQ space " + space + ", direction " + dir + ", size " + size
                + ": space 0/1, direction 0/1, size 1/2/4/8");
        }
        final long data = in.getLongLE(index + 24);
        if (dir == 1 && data != 0) {
            throw new PayloadException(RESERVED_NONZERO, "IOREQ read with data bits set");
        }
        return new Msg.Ioreq(space, dir == 1, size, in.getUnsignedByte(index + 3), in.getUnsignedShortLE(index + 4),
            in.getLongLE(index + 8), in.getLongLE(index + 16), data);
    }

    private static Msg.Empty empty(final int type, final int length) throws PayloadException {
        exact(type, true, length, 0);
        return Msg.Empty.INSTANCE;
    }

    private static int level(final int level) throws PayloadException {
        if (level > 1) {
            throw new PayloadException(BAD_VALUE, "level " + level + " is not 0 or 1");
        }
        return level;
    }

    private static void exact(final int type, final boolean reply, final int length, final int want)
        throws PayloadException {
        if (length != want) {
            throw new PayloadException(BAD_LENGTH, Opcodes.describe(type) + (reply ? " reply" : "") + " payload is "
                + length + " bytes, not " + want);
        }
    }

    private static void zero(final ByteBuf in, final int index, final int count, final String what)
        throws PayloadException {
        for (int i = 0; i < count; i++) {
            if (in.getByte(index + i) != 0) {
                throw new PayloadException(RESERVED_NONZERO, what + " must be zero (reserved)");
            }
        }
    }
}
