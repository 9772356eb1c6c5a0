package io.irqsim.dm.net.proto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The payloads of the device-model protocol, one record per layout. Offsets are from the start
 * of the payload; every field is little-endian; "reserved" fields are written as zero and must be
 * zero when read. {@code docs/protocol.md} has the same layouts with annotated hex examples.
 */
public final class Msg {

    /** {@link Attach#domid()} value meaning "by name". */
    public static final int DOMID_BY_NAME = -1;
    /** {@link PciRegistered#gsi()} value for a function without an interrupt pin. */
    public static final int NO_GSI = -1;
    /** Number of BARs of a type-0 PCI function. */
    public static final int BARS = 6;
    /** Longest ATTACH domain name, in bytes. */
    public static final int MAX_NAME = 64;
    /** Longest ERROR text, in bytes. */
    public static final int MAX_TEXT = 256;
    /** IOREQ space: guest-physical memory. */
    public static final int SPACE_MMIO = 0;
    /** IOREQ space: port I/O. */
    public static final int SPACE_PIO = 1;

    private Msg() {
    }

    /**
     * HELLO, request and reply (32 bytes; later minors may append fields, which a 1.0 receiver
     * ignores, up to 256 bytes in all).
     * <pre>
     *  0 u8  major            1 u8  minor            2 u16 reserved
     *  4 u32 max frame length (header included)
     *  8 u16 max devices      10 u16 reserved       12 u32 reserved
     * 16 u64 features offered (reply: negotiated)
     * 24 u64 features required
     * </pre>
     *
     * @param major protocol major
     * @param minor protocol minor
     * @param maxFrame largest frame the sender accepts (reply: the negotiated maximum)
     * @param maxDevices most devices one session may register (reply: negotiated)
     * @param features feature bits offered (reply: the intersection)
     * @param required feature bits the sender cannot work without
     */
    public record Hello(int major, int minor, long maxFrame, int maxDevices, long features, long required)
        implements Payload {
        /** Encoded length. */
        public static final int LENGTH = 32;

        @Override
        public int length() {
            return LENGTH;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeByte(major).writeByte(minor).writeShortLE(0).writeIntLE((int) maxFrame)
                .writeShortLE(maxDevices).writeShortLE(0).writeIntLE(0).writeLongLE(features).writeLongLE(required);
        }
    }

    /**
     * ERROR (8 bytes + text).
     * <pre>
     *  0 u16 code (ErrorCodes)    2 u16 type of the frame it answers (0 = none)
     *  4 i32 errno (a negative Xen errno for HYPERVISOR, else 0)
     *  8 ... text, UTF-8, at most 256 bytes (payload length - 8)
     * </pre>
     *
     * @param code error code
     * @param refType type of the refused frame, 0 if not known
     * @param errno Xen errno (negative) or 0
     * @param text a short explanation
     */
    public record Error(int code, int refType, int errno, String text) implements Payload {
        /** Length without the text. */
        public static final int FIXED_LENGTH = 8;

        /** Truncates the text to {@link #MAX_TEXT} bytes of UTF-8. */
        public Error {
            text = truncate(text == null ? "" : text);
        }

        private static String truncate(final String s) {
            if (ByteBufUtil.utf8Bytes(s) <= MAX_TEXT) {
                return s;
            }
            int n = Math.min(s.length(), MAX_TEXT);
            while (ByteBufUtil.utf8Bytes(s.subSequence(0, n)) > MAX_TEXT
                || (n > 0 && Character.isHighSurrogate(s.charAt(n - 1)))) {
                n--;
            }
            return s.substring(0, n);
        }

        @Override
        public int length() {
            return FIXED_LENGTH + ByteBufUtil.utf8Bytes(text);
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeShortLE(code).writeShortLE(refType).writeIntLE(errno);
            writeUtf8(out, text);
        }

        /** @return whether the sender closes the connection after it */
        public boolean fatal() {
            return ErrorCodes.isFatal(code);
        }

        @Override
        public String toString() {
            return ErrorCodes.name(code) + (refType != 0 ? " for " + Opcodes.describe(refType) : "")
                + (errno != 0 ? " errno " + errno : "") + (text.isEmpty() ? "" : ": " + text);
        }
    }

    /**
     * PING request and reply (8 bytes): {@code 0 u64 data}, echoed by the reply.
     *
     * @param data opaque
     */
    public record Ping(long data) implements Payload {
        @Override
        public int length() {
            return 8;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeLongLE(data);
        }
    }

    /**
     * GOODBYE request (8 bytes): {@code 0 u32 reason (0 = normal), 4 u32 reserved}. Its reply is
     * {@link Empty}.
     *
     * @param reason why the model leaves (informational)
     */
    public record Goodbye(int reason) implements Payload {
        @Override
        public int length() {
            return 8;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeIntLE(reason).writeIntLE(0);
        }
    }

    /** An empty payload: the reply of GOODBYE, SET_INTX, SET_ISA_IRQ, SET_PCI_LINK_ROUTE, INJECT_MSI. */
    public record Empty() implements Payload {
        /** The instance. */
        public static final Empty INSTANCE = new Empty();

        @Override
        public int length() {
            return 0;
        }

        @Override
        public void encode(final ByteBuf out) {
        }
    }

    /**
     * ATTACH request (8 bytes + name).
     * <pre>
     *  0 u32 domain id, or 0xFFFFFFFF to attach by name
     *  4 u16 name length n (0 with a domain id; 1..64 by name)    6 u16 reserved
     *  8 ... name, n bytes of UTF-8
     * </pre>
     *
     * @param domid domain id, or {@link #DOMID_BY_NAME}
     * @param name domain name ({@code ""} with an id)
     */
    public record Attach(int domid, String name) implements Payload {
        /** Length without the name. */
        public static final int FIXED_LENGTH = 8;

        /** Normalises a null name to "". */
        public Attach {
            name = name == null ? "" : name;
        }

        @Override
        public int length() {
            return FIXED_LENGTH + ByteBufUtil.utf8Bytes(name);
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeIntLE(domid).writeShortLE(ByteBufUtil.utf8Bytes(name)).writeShortLE(0);
            writeUtf8(out, name);
        }
    }

    /**
     * ATTACH reply (16 bytes).
     * <pre>
     *  0 u32 domain id    4 u32 device-model domain id (the stub domain the session acts as)
     *  8 u16 vCPUs       10 u16 GSIs of its vIO-APIC      12 u32 reserved
     * </pre>
     *
     * @param domid the domain attached to
     * @param dmDomid the device-model domain created for the session
     * @param vcpus the domain's vCPUs
     * @param nrGsis its GSIs
     */
    public record Attached(int domid, int dmDomid, int vcpus, int nrGsis) implements Payload {
        @Override
        public int length() {
            return 16;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeIntLE(domid).writeIntLE(dmDomid).writeShortLE(vcpus).writeShortLE(nrGsis).writeIntLE(0);
        }
    }

    /**
     * REGISTER_MMIO request (16 bytes): {@code 0 u64 guest-physical base, 8 u64 length}. The
     * header's device id is 0 for a new device, or one of the session's range devices to add a
     * region to it. Reply: {@link Registered}, with the device id in the reply's header.
     *
     * @param base first guest-physical address
     * @param size length in bytes (at least 1)
     */
    public record RegisterMmio(long base, long size) implements Payload {
        @Override
        public int length() {
            return 16;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeLongLE(base).writeLongLE(size);
        }
    }

    /**
     * REGISTER_PIO request (8 bytes): {@code 0 u16 first port, 2 u16 count, 4 u32 reserved}.
     * Device id in the header as for {@link RegisterMmio}. Reply: {@link Registered}.
     *
     * @param port first port
     * @param count number of ports (port + count &lt;= 0x10000)
     */
    public record RegisterPio(int port, int count) implements Payload {
        @Override
        public int length() {
            return 8;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeShortLE(port).writeShortLE(count).writeIntLE(0);
        }
    }

    /**
     * REGISTER_MMIO / REGISTER_PIO reply (8 bytes): {@code 0 u32 region index within the device,
     * 4 u32 reserved}; IOREQs for the range carry this region index.
     *
     * @param region region index
     */
    public record Registered(int region) implements Payload {
        @Override
        public int length() {
            return 8;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeIntLE(region).writeIntLE(0);
        }
    }

    /**
     * REGISTER_PCI request (40 bytes). Header device id 0.
     * <pre>
     *  0 u8  guest slot (device number 1..31)   1 u8 function (0)
     *  2 u8  interrupt pin (0 none, 1..4 = INTA..INTD)   3 u8 reserved
     *  4 u16 vendor id (not 0xFFFF)   6 u16 device id
     *  8 u32 class code (24 bits; the top byte is reserved)
     * 12 u32 BAR0 size ... 32 u32 BAR5 size   (0, or a power of two 16..65536; 32-bit memory BARs;
     *                                          at most 64 KiB in all)
     * 36 u32 reserved
     * </pre>
     *
     * @param slot guest device number
     * @param function function number (0)
     * @param pin interrupt pin 0..4
     * @param vendorId vendor id
     * @param deviceId device id
     * @param classCode 24-bit class code
     * @param barSizes six BAR sizes, 0 for none
     */
    public record RegisterPci(int slot, int function, int pin, int vendorId, int deviceId, int classCode,
                              List<Long> barSizes) implements Payload {
        /** Encoded length. */
        public static final int LENGTH = 40;

        /**
         * Copies the sizes.
         *
         * @throws IllegalArgumentException if there are not six
         */
        public RegisterPci {
            barSizes = List.copyOf(barSizes);
            if (barSizes.size() != BARS) {
                throw new IllegalArgumentException("a PCI function has " + BARS + " BAR sizes, not " + barSizes.size());
            }
        }

        @Override
        public int length() {
            return LENGTH;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeByte(slot).writeByte(function).writeByte(pin).writeByte(0).writeShortLE(vendorId)
                .writeShortLE(deviceId).writeIntLE(classCode);
            for (final long s : barSizes) {
                out.writeIntLE((int) s);
            }
            out.writeIntLE(0);
        }
    }

    /**
     * REGISTER_PCI reply (56 bytes): {@code 0 u32 guest GSI of its INTx (0xFFFFFFFF: no pin),
     * 4 u32 reserved, 8 u64 BAR0 guest address ... 48 u64 BAR5 (0: no BAR)}; the device id is in
     * the reply's header.
     *
     * @param gsi guest GSI, or {@link #NO_GSI}
     * @param barAddresses six guest-physical BAR addresses
     */
    public record PciRegistered(int gsi, List<Long> barAddresses) implements Payload {
        /** Encoded length. */
        public static final int LENGTH = 56;

        /**
         * Copies the addresses.
         *
         * @throws IllegalArgumentException if there are not six
         */
        public PciRegistered {
            barAddresses = List.copyOf(barAddresses);
            if (barAddresses.size() != BARS) {
                throw new IllegalArgumentException("six BAR addresses, not " + barAddresses.size());
            }
        }

        @Override
        public int length() {
            return LENGTH;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeIntLE(gsi).writeIntLE(0);
            for (final long a : barAddresses) {
                out.writeLongLE(a);
            }
        }
    }

    /**
     * SET_INTX request (8 bytes): {@code 0 u8 level (0 or 1), 1..7 reserved}; the header's device
     * id is one of the session's PCI functions with an interrupt pin. Reply: {@link Empty}.
     *
     * @param level 0 or 1
     */
    public record SetIntx(int level) implements Payload {
        @Override
        public int length() {
            return 8;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeByte(level).writeZero(7);
        }
    }

    /**
     * SET_ISA_IRQ request (8 bytes): {@code 0 u8 ISA IRQ, 1 u8 level (0 or 1), 2..7 reserved}.
     * Reply: {@link Empty}.
     *
     * @param isaIrq ISA IRQ (Xen accepts 0..15)
     * @param level 0 or 1
     */
    public record SetIsaIrq(int isaIrq, int level) implements Payload {
        @Override
        public int length() {
            return 8;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeByte(isaIrq).writeByte(level).writeZero(6);
        }
    }

    /**
     * SET_PCI_LINK_ROUTE request (8 bytes): {@code 0 u8 link, 1 u8 ISA IRQ (0 = none),
     * 2..7 reserved}. Reply: {@link Empty}.
     *
     * @param link PCI link (Xen accepts 0..3)
     * @param isaIrq ISA IRQ (Xen accepts 0..15)
     */
    public record SetPciLinkRoute(int link, int isaIrq) implements Payload {
        @Override
        public int length() {
            return 8;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeByte(link).writeByte(isaIrq).writeZero(6);
        }
    }

    /**
     * INJECT_MSI request (16 bytes): {@code 0 u64 address, 8 u32 data, 12 u32 reserved} (the
     * layout of {@code XEN_DMOP_inject_msi} but in address-then-data order). Reply: {@link Empty}.
     *
     * @param address MSI address ({@code 0xFEExxxxx} to reach a LAPIC)
     * @param data MSI data
     */
    public record InjectMsi(long address, int data) implements Payload {
        @Override
        public int length() {
            return 16;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeLongLE(address).writeIntLE(data).writeIntLE(0);
        }
    }

    /**
     * BIND_PT_IRQ request (8 bytes).
     * <pre>
     *  0 u16 host segment   2 u8 host bus   3 u8 host devfn
     *  4 u8  guest device (0..31)   5 u8 guest INTx (0..3 = INTA..INTD)   6 u16 reserved
     * </pre>
     * Reply: {@link PtIrqBound}.
     *
     * @param segment host PCI segment
     * @param bus host bus
     * @param devfn host device and function
     * @param guestDevice guest device number
     * @param intx guest INTx pin (0 = INTA)
     */
    public record BindPtIrq(int segment, int bus, int devfn, int guestDevice, int intx) implements Payload {
        @Override
        public int length() {
            return 8;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeShortLE(segment).writeByte(bus).writeByte(devfn).writeByte(guestDevice).writeByte(intx)
                .writeShortLE(0);
        }
    }

    /**
     * BIND_PT_IRQ reply (8 bytes): {@code 0 u32 the guest's pirq, 4 u32 reserved}.
     *
     * @param pirq the pirq bound
     */
    public record PtIrqBound(int pirq) implements Payload {
        @Override
        public int length() {
            return 8;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeIntLE(pirq).writeIntLE(0);
        }
    }

    /**
     * IOREQ request (32 bytes), server to model; the header's device id is the model's device.
     * <pre>
     *  0 u8  space (0 MMIO, 1 port I/O)   1 u8 direction (0 write, 1 read: Xen's IOREQ_READ)
     *  2 u8  size (1, 2, 4 or 8)          3 u8 region index within the device (BAR number for PCI)
     *  4 u16 vCPU                         6 u16 reserved
     *  8 u64 offset within the region
     * 16 u64 address (guest-physical, or port)
     * 24 u64 data (the value written; 0 for a read)
     * </pre>
     * Reply: {@link IoreqDone}.
     *
     * @param space {@link #SPACE_MMIO} or {@link #SPACE_PIO}
     * @param read whether it is a read
     * @param size access size
     * @param region region index
     * @param vcpu the vCPU that issued it
     * @param offset offset within the region
     * @param address absolute address
     * @param data value written (0 for reads)
     */
    public record Ioreq(int space, boolean read, int size, int region, int vcpu, long offset, long address,
                        long data) implements Payload {
        /** Encoded length. */
        public static final int LENGTH = 32;

        @Override
        public int length() {
            return LENGTH;
        }

        @Override
        public void encode(final ByteBuf out) {
            encode(out, space, read, size, region, vcpu, offset, address, data);
        }

        /**
         * Writes an IOREQ payload from its fields, without a record (the server's per-access path).
         *
         * @param out where
         * @param space {@link #SPACE_MMIO} or {@link #SPACE_PIO}
         * @param read whether it is a read
         * @param size access size
         * @param region region index
         * @param vcpu the vCPU
         * @param offset offset within the region
         * @param address absolute address
         * @param data value written (0 for reads)
         */
        public static void encode(final ByteBuf out, final int space, final boolean read, final int size,
                                  final int region, final int vcpu, final long offset, final long address,
                                  final long data) {
            out.writeByte(space).writeByte(read ? 1 : 0).writeByte(size).writeByte(region).writeShortLE(vcpu)
                .writeShortLE(0).writeLongLE(offset).writeLongLE(address).writeLongLE(data);
        }
    }

    /**
     * IOREQ reply (8 bytes): {@code 0 u64 data} (the value read, low {@code size} bytes used;
     * ignored for a write).
     *
     * @param data the value read
     */
    public record IoreqDone(long data) implements Payload {
        /** Encoded length. */
        public static final int LENGTH = 8;

        @Override
        public int length() {
            return LENGTH;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeLongLE(data);
        }
    }

    /**
     * EOI notice (8 bytes), server to model, always posted: {@code 0 u32 guest GSI, 4 u32 reserved};
     * the header's device id is the PCI function whose INTx it is, or 0 for an ISA IRQ line.
     *
     * @param gsi the guest GSI the guest EOI'd
     */
    public record Eoi(int gsi) implements Payload {
        @Override
        public int length() {
            return 8;
        }

        @Override
        public void encode(final ByteBuf out) {
            out.writeIntLE(gsi).writeIntLE(0);
        }
    }

    /** Writes UTF-8 reserving exactly its length (a buffer sized to the frame has no slack). */
    static void writeUtf8(final ByteBuf out, final String s) {
        ByteBufUtil.reserveAndWriteUtf8(out, s, ByteBufUtil.utf8Bytes(s));
    }

    static String utf8(final ByteBuf in, final int index, final int length) {
        return in.toString(index, length, StandardCharsets.UTF_8);
    }
}
