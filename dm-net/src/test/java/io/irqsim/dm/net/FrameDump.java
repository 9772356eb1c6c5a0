package io.irqsim.dm.net;

import io.irqsim.dm.net.proto.ErrorCodes;
import io.irqsim.dm.net.proto.Features;
import io.irqsim.dm.net.proto.FrameDescriptor;
import io.irqsim.dm.net.proto.Opcodes;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Annotated hex dumps of protocol frames, in the style of Chronicle's {@code HexDumpBytes}: one
 * line per field, {@code # comment} after it. Written from the layouts in docs/protocol.md, apart
 * from the codec, so that a golden file it writes is a second reading of the format.
 */
final class FrameDump {

    private final StringBuilder out = new StringBuilder();
    private final byte[] b;
    private int at;

    private FrameDump(final byte[] bytes) {
        this.b = bytes;
    }

    /**
     * @param bytes zero or more frames (a trailing partial frame is dumped as raw bytes)
     * @return the annotated dump
     */
    static String dump(final byte[] bytes) {
        final FrameDump d = new FrameDump(bytes);
        d.frames();
        return d.out.toString();
    }

    private void frames() {
        while (at < b.length) {
            if (b.length - at < FrameDescriptor.HEADER_LENGTH) {
                field(b.length - at, "(a partial header)");
                return;
            }
            final int magic = u16(at);
            if (magic != FrameDescriptor.MAGIC) {
                field(b.length - at, "(not a frame: no magic)");
                return;
            }
            final int flags = u8(at + 3);
            final int type = u16(at + 4);
            final long len = u32(at + 16);
            final boolean reply = (flags & FrameDescriptor.FLAG_REPLY) != 0;
            out.append("# --- ").append(Opcodes.describe(type)).append(reply ? " reply" : type == Opcodes.ERROR ? ""
                : (flags & FrameDescriptor.FLAG_POSTED) != 0 ? " (posted)" : " request").append('\n');
            field(2, "magic \"DM\"");
            field(1, "major " + u8(at));
            field(1, "flags " + FrameDescriptor.flagsToString(flags));
            field(2, "type " + Opcodes.describe(type));
            field(2, "device " + u16(at));
            field(8, "request id " + Long.toUnsignedString(u64(at)));
            field(4, "payload length " + len);
            field(4, "reserved");
            final int end = (int) Math.min(b.length, at + len);
            payload(type, reply, end);
            if (at < end) {
                field(end - at, "(more payload)");
            }
        }
    }

    private void payload(final int type, final boolean reply, final int end) {
        if (at >= end) {
            return;
        }
        switch (type) {
            case Opcodes.HELLO:
                field(1, "major " + u8(at));
                field(1, "minor " + u8(at));
                field(2, "reserved");
                field(4, "max frame " + u32(at));
                field(2, "max devices " + u16(at));
                field(6, "reserved");
                field(8, (reply ? "features agreed " : "features offered ") + Features.toString(u64(at)));
                field(8, "features required " + Features.toString(u64(at)));
                return;
            case Opcodes.ERROR:
                field(2, "code " + ErrorCodes.name(u16(at)));
                field(2, "refers to " + (u16(at) == 0 ? "-" : Opcodes.describe(u16(at))));
                field(4, "errno " + (int) u32(at));
                text(end - at, "text");
                return;
            case Opcodes.PING:
                field(8, "data 0x" + Long.toHexString(u64(at)));
                return;
            case Opcodes.GOODBYE:
                if (!reply) {
                    field(4, "reason " + u32(at));
                    field(4, "reserved");
                }
                return;
            case Opcodes.ATTACH:
                if (reply) {
                    field(4, "domain d" + u32(at));
                    field(4, "device-model domain d" + u32(at));
                    field(2, "vCPUs " + u16(at));
                    field(2, "GSIs " + u16(at));
                    field(4, "reserved");
                } else {
                    final long domid = u32(at);
                    field(4, domid == 0xFFFF_FFFFL ? "domain: by name" : "domain d" + domid);
                    final int n = u16(at);
                    field(2, "name length " + n);
                    field(2, "reserved");
                    text(n, "name");
                }
                return;
            case Opcodes.REGISTER_MMIO:
                if (reply) {
                    registered();
                } else {
                    field(8, "base 0x" + Long.toHexString(u64(at)));
                    field(8, "length 0x" + Long.toHexString(u64(at)));
                }
                return;
            case Opcodes.REGISTER_PIO:
                if (reply) {
                    registered();
                } else {
                    field(2, "port 0x" + Integer.toHexString(u16(at)));
                    field(2, "count " + u16(at));
                    field(4, "reserved");
                }
                return;
            case Opcodes.REGISTER_PCI:
                if (reply) {
                    final long gsi = u32(at);
                    field(4, gsi == 0xFFFF_FFFFL ? "GSI: none" : "GSI " + gsi);
                    field(4, "reserved");
                    for (int i = 0; i < 6; i++) {
                        field(8, "BAR" + i + " at 0x" + Long.toHexString(u64(at)));
                    }
                } else {
                    field(1, "slot " + u8(at));
                    field(1, "function " + u8(at));
                    field(1, "interrupt pin " + u8(at));
                    field(1, "reserved");
                    field(2, "vendor 0x" + Integer.toHexString(u16(at)));
                    field(2, "device 0x" + Integer.toHexString(u16(at)));
                    field(4, "class 0x" + Long.toHexString(u32(at)));
                    for (int i = 0; i < 6; i++) {
                        field(4, "BAR" + i + " size 0x" + Long.toHexString(u32(at)));
                    }
                    field(4, "reserved");
                }
                return;
            case Opcodes.SET_INTX:
                if (!reply) {
                    field(1, "level " + u8(at));
                    field(7, "reserved");
                }
                return;
            case Opcodes.SET_ISA_IRQ:
                if (!reply) {
                    field(1, "ISA IRQ " + u8(at));
                    field(1, "level " + u8(at));
                    field(6, "reserved");
                }
                return;
            case Opcodes.SET_PCI_LINK_ROUTE:
                if (!reply) {
                    field(1, "link " + u8(at));
                    field(1, "ISA IRQ " + u8(at));
                    field(6, "reserved");
                }
                return;
            case Opcodes.INJECT_MSI:
                if (!reply) {
                    field(8, "address 0x" + Long.toHexString(u64(at)));
                    field(4, "data 0x" + Long.toHexString(u32(at)));
                    field(4, "reserved");
                }
                return;
            case Opcodes.BIND_PT_IRQ:
                if (reply) {
                    field(4, "pirq " + u32(at));
                    field(4, "reserved");
                } else {
                    field(2, "host segment " + u16(at));
                    field(1, "host bus " + u8(at));
                    final int devfn = u8(at);
                    field(1, String.format("host devfn 0x%02x (%02x.%d)", devfn, devfn >>> 3, devfn & 7));
                    field(1, "guest device " + u8(at));
                    field(1, "guest INT" + (char) ('A' + u8(at)));
                    field(2, "reserved");
                }
                return;
            case Opcodes.IOREQ:
                if (reply) {
                    field(8, "data 0x" + Long.toHexString(u64(at)));
                } else {
                    field(1, "space " + (u8(at) == 0 ? "MMIO" : "port I/O"));
                    field(1, u8(at) == 1 ? "read" : "write");
                    field(1, "size " + u8(at));
                    field(1, "region " + u8(at));
                    field(2, "vCPU " + u16(at));
                    field(2, "reserved");
                    field(8, "offset 0x" + Long.toHexString(u64(at)));
                    field(8, "address 0x" + Long.toHexString(u64(at)));
                    field(8, "data 0x" + Long.toHexString(u64(at)));
                }
                return;
            case Opcodes.EOI:
                field(4, "GSI " + u32(at));
                field(4, "reserved");
                return;
            default:
                field(end - at, "payload of an unknown type");
        }
    }

    private void registered() {
        field(4, "region " + u32(at));
        field(4, "reserved");
    }

    private void text(final int n, final String what) {
        if (n <= 0) {
            return;
        }
        final int len = Math.min(n, b.length - at);
        final String s = new String(b, at, len, StandardCharsets.UTF_8);
        // one line per 16 bytes
        for (int i = 0; i < len; i += 16) {
            final int chunk = Math.min(16, len - i);
            final String part = new String(b, at, chunk, StandardCharsets.UTF_8);
            field(chunk, i == 0 ? what + " \"" + (len <= 16 ? s : part) + "\"" + (len > 16 ? " ..." : "")
                : "  \"" + part + "\"");
        }
    }

    private void field(final int n, final String comment) {
        final int len = Math.max(0, Math.min(n, b.length - at));
        final StringBuilder hex = new StringBuilder();
        for (int i = 0; i < len; i++) {
            if (i > 0) {
                hex.append(' ');
            }
            hex.append(String.format("%02x", b[at + i] & 0xFF));
        }
        final List<String> lines = new ArrayList<>();
        // at most 16 bytes of hex per line
        final String h = hex.toString();
        for (int i = 0; i < h.length(); i += 48) {
            lines.add(h.substring(i, Math.min(h.length(), i + 47)).trim());
        }
        if (lines.isEmpty()) {
            lines.add("");
        }
        for (int i = 0; i < lines.size(); i++) {
            final String l = lines.get(i);
            out.append(l);
            out.append(" ".repeat(Math.max(1, 48 - l.length())));
            out.append("# ").append(i == 0 ? comment : "...").append('\n');
        }
        at += len;
    }

    private int u8(final int i) {
        return i < b.length ? b[i] & 0xFF : 0; // past a truncated frame's end: the comment shows 0
    }

    private int u16(final int i) {
        return u8(i) | u8(i + 1) << 8;
    }

    private long u32(final int i) {
        return (u16(i) & 0xFFFFL) | (long) u16(i + 2) << 16;
    }

    private long u64(final int i) {
        return u32(i) | u32(i + 4) << 32;
    }
}
