package io.irqsim.hw.firmware.acpi;

import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;

import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the interrupt descriptors of a resource template (ACPI 6.5, 6.4): the small IRQ
 * descriptor (6.4.2.1, tag 0x22/0x23: a 16-bit mask, and optionally a flags byte with _HE bit 0,
 * _LL bit 3, _SHR bit 4; without it the IRQ is edge, active-high, exclusive) and the large Extended
 * Interrupt descriptor (6.4.3.6, type 0x89: flags _HE bit 1, _LL bit 2, _SHR bit 3, then a count
 * and that many 32-bit interrupts). Every other descriptor is skipped by its length, as Linux's
 * {@code acpi_walk_resources} callbacks in {@code drivers/acpi/pci_link.c} (v6.12) ignore them.
 */
public final class ResourceTemplate {

    /**
     * The interrupts one descriptor lists.
     *
     * @param interrupts in descriptor order
     * @param trigger trigger mode
     * @param polarity polarity
     * @param shareable sharing flag
     * @param extended an Extended Interrupt descriptor (GSIs) rather than IRQ (ISA IRQs)
     */
    public record Interrupts(List<Integer> interrupts, IrqTrigger trigger, IrqPolarity polarity, boolean shareable,
                             boolean extended) {
        /** Copies the list. */
        public Interrupts {
            interrupts = List.copyOf(interrupts);
        }
    }

    private ResourceTemplate() {
    }

    /**
     * @param data a resource template
     * @param where what the template came from, for errors (e.g. {@code \_SB.LNKA._PRS})
     * @return the interrupt descriptors in order
     * @throws AmlException if a descriptor runs past the buffer
     */
    public static List<Interrupts> interrupts(final byte[] data, final String where) {
        final List<Interrupts> out = new ArrayList<>();
        int at = 0;
        while (at < data.length) {
            final int tag = data[at] & 0xFF;
            if ((tag & 0x80) == 0) {
                final int type = tag >>> 3 & 0xF;
                final int len = tag & 7;
                if (at + 1 + len > data.length) {
                    throw error(where, at, "small descriptor of type 0x" + Integer.toHexString(type)
                        + " runs past the " + data.length + "-byte template");
                }
                if (type == 0xF) {
                    break; // End Tag
                }
                if (type == 0x4 && len >= 2) {
                    final int mask = (data[at + 1] & 0xFF) | (data[at + 2] & 0xFF) << 8;
                    final List<Integer> irqs = new ArrayList<>();
                    for (int i = 0; i < 16; i++) {
                        if ((mask & 1 << i) != 0) {
                            irqs.add(i);
                        }
                    }
                    final int flags = len >= 3 ? data[at + 3] & 0xFF : 0x01;
                    out.add(new Interrupts(irqs, (flags & 1) != 0 ? IrqTrigger.EDGE : IrqTrigger.LEVEL,
                        (flags & 8) != 0 ? IrqPolarity.ACTIVE_LOW : IrqPolarity.ACTIVE_HIGH, (flags & 0x10) != 0, false));
                }
                at += 1 + len;
            } else {
                if (at + 3 > data.length) {
                    throw error(where, at, "large descriptor header runs past the template");
                }
                final int type = tag & 0x7F;
                final int len = (data[at + 1] & 0xFF) | (data[at + 2] & 0xFF) << 8;
                if (at + 3 + len > data.length) {
                    throw error(where, at, "large descriptor of type 0x" + Integer.toHexString(tag) + " and length "
                        + len + " runs past the " + data.length + "-byte template");
                }
                if (type == 0x09 && len >= 2) {
                    final int flags = data[at + 3] & 0xFF;
                    final int count = data[at + 4] & 0xFF;
                    if (2 + 4 * count > len) {
                        throw error(where, at, "Extended Interrupt descriptor lists " + count
                            + " interrupts but is only " + len + " bytes long");
                    }
                    final List<Integer> irqs = new ArrayList<>();
                    for (int i = 0; i < count; i++) {
                        final int p = at + 5 + 4 * i;
                        irqs.add((data[p] & 0xFF) | (data[p + 1] & 0xFF) << 8 | (data[p + 2] & 0xFF) << 16
                            | (data[p + 3] & 0xFF) << 24);
                    }
                    out.add(new Interrupts(irqs, (flags & 2) != 0 ? IrqTrigger.EDGE : IrqTrigger.LEVEL,
                        (flags & 4) != 0 ? IrqPolarity.ACTIVE_LOW : IrqPolarity.ACTIVE_HIGH, (flags & 8) != 0, true));
                }
                at += 3 + len;
            }
        }
        return out;
    }

    /** @return the length of a template up to (not including) its End Tag, or all of it when there is none */
    static int lengthBeforeEndTag(final byte[] data) {
        int at = 0;
        while (at < data.length) {
            final int tag = data[at] & 0xFF;
            if ((tag & 0x80) == 0) {
                if ((tag >>> 3 & 0xF) == 0xF) {
                    return at;
                }
                at += 1 + (tag & 7);
            } else {
                if (at + 3 > data.length) {
                    return data.length;
                }
                at += 3 + ((data[at + 1] & 0xFF) | (data[at + 2] & 0xFF) << 8);
            }
        }
        return Math.min(at, data.length);
    }

    private static AmlException error(final String where, final int at, final String what) {
        return new AmlException(String.format("%s: resource template at byte %d: %s", where, at, what));
    }
}
