package io.irqsim.guest.linux;

import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hw.firmware.MadtIoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;

import java.util.ArrayList;
import java.util.List;

/**
 * Linux's IO-APIC driver (arch/x86/kernel/apic/io_apic.c@v6.12) running in a domain with an
 * emulated IO-APIC (a PVH dom0 or an HVM domU): every access is an MMIO access of the vCPU, so
 * Xen sees it as a trap. At set-up it reads each IO-APIC's version and size and masks every pin
 * by writing an entry that is zero except the mask bit ({@code clear_IO_APIC_pin} via
 * {@code ioapic_mask_entry}: low dword, then high); entries are written high dword first, low
 * last ({@code __ioapic_write_entry}); masking and unmasking write only the low dword of the
 * entry Linux keeps in memory ({@code io_apic_modify_irq}), never read back from the chip.
 */
public final class IoApicDriver {

    /** One IO-APIC as the kernel knows it. */
    public record Chip(long address, int gsiBase, int pins, int version) {
        /** @param gsi GSI @return whether this chip has it */
        public boolean has(final int gsi) {
            return gsi >= gsiBase && gsi < gsiBase + pins;
        }
    }

    private final Vcpu cpu;
    private final List<Chip> chips = new ArrayList<>();

    /**
     * @param cpu the vCPU the kernel runs its set-up on
     */
    public IoApicDriver(final Vcpu cpu) {
        this.cpu = cpu;
    }

    /**
     * {@code setup_IO_APIC} + {@code clear_IO_APIC} &rarr; {@code clear_IO_APIC_pin} &rarr;
     * {@code ioapic_mask_entry} (arch/x86/kernel/apic/io_apic.c@v6.12): learns each IO-APIC from the
     * MADT and its version register, and masks every pin (low dword first).
     *
     * @param madtIoApics the MADT's IO-APIC entries
     */
    public void setup(final List<MadtIoApic> madtIoApics) {
        for (final MadtIoApic m : madtIoApics) {
            final int ver = readReg(m.address(), IoApicRegisters.REG_VER);
            final Chip chip = new Chip(m.address(), m.gsiBase(), IoApicRegisters.redirEntries(ver),
                ver & 0xFF);
            chips.add(chip);
            for (int pin = 0; pin < chip.pins(); pin++) {
                writeReg(chip.address(), IoApicRegisters.redtblLow(pin), (int) Rte.MASKED);
                writeReg(chip.address(), IoApicRegisters.redtblHigh(pin), 0);
            }
        }
    }

    /** @return the IO-APICs found */
    public List<Chip> chips() {
        return List.copyOf(chips);
    }

    /**
     * @param gsi GSI
     * @return the chip with a pin for it, or {@code null}
     */
    public Chip chipFor(final int gsi) {
        for (final Chip c : chips) {
            if (c.has(gsi)) {
                return c;
            }
        }
        return null;
    }

    /**
     * Writes a GSI's whole entry, high dword first ({@code __ioapic_write_entry},
     * arch/x86/kernel/apic/io_apic.c@v6.12; {@code ioapic_configure_entry} at activation).
     *
     * @param gsi GSI
     * @param rte the entry
     * @return {@code false} if no IO-APIC has the GSI
     */
    public boolean writeEntry(final int gsi, final long rte) {
        final Chip c = chipFor(gsi);
        if (c == null) {
            return false;
        }
        writeEntry(c, gsi - c.gsiBase(), rte);
        return true;
    }

    /**
     * Writes only a GSI's low dword from the entry Linux keeps ({@code io_apic_modify_irq},
     * arch/x86/kernel/apic/io_apic.c@v6.12, behind {@code mask_ioapic_irq} / {@code unmask_ioapic_irq}).
     *
     * @param gsi GSI
     * @param rte the cached entry, mask bit already set or cleared
     */
    public void writeLow(final int gsi, final long rte) {
        final Chip c = chipFor(gsi);
        if (c != null) {
            writeReg(c.address(), IoApicRegisters.redtblLow(gsi - c.gsiBase()), Rte.low(rte));
        }
    }

    /**
     * Writes a whole masked entry built from its fields ({@code ioapic_configure_entry},
     * arch/x86/kernel/apic/io_apic.c@v6.12, with the entry {@code mp_irqdomain_activate} completed).
     *
     * @param gsi GSI
     * @param vector vector
     * @param level trigger
     * @param activeLow polarity
     * @param destApicId destination APIC id (physical)
     * @return {@code false} if no IO-APIC has the GSI
     */
    public boolean configure(final int gsi, final int vector, final boolean level, final boolean activeLow,
                             final int destApicId) {
        final Chip c = chipFor(gsi);
        if (c == null) {
            return false;
        }
        writeEntry(c, gsi - c.gsiBase(), Rte.of(vector, Rte.DM_FIXED, false, activeLow, level, true, destApicId));
        return true;
    }

    /**
     * Unmasks a GSI's pin by a read-modify-write of the low dword (a test helper: Linux's
     * {@code unmask_ioapic_irq} writes its cached entry, see {@link #writeLow}).
     *
     * @param gsi GSI
     */
    public void unmask(final int gsi) {
        setMask(gsi, false);
    }

    /**
     * Masks a GSI's pin by a read-modify-write of the low dword (a test helper: Linux's
     * {@code mask_ioapic_irq} writes its cached entry, see {@link #writeLow}).
     *
     * @param gsi GSI
     */
    public void mask(final int gsi) {
        setMask(gsi, true);
    }

    private void setMask(final int gsi, final boolean masked) {
        final Chip c = chipFor(gsi);
        if (c == null) {
            return;
        }
        final int pin = gsi - c.gsiBase();
        final int low = readReg(c.address(), IoApicRegisters.redtblLow(pin));
        writeReg(c.address(), IoApicRegisters.redtblLow(pin), (int) Rte.withMask(low & 0xFFFF_FFFFL, masked));
    }

    /**
     * EOIs a level entry on an IO-APIC without an EOI register the way Linux does
     * ({@code __eoi_ioapic_pin}, arch/x86/kernel/apic/io_apic.c@v6.12): read the entry (low, then
     * high), write it back masked and edge, then write the original; each write is a whole-entry
     * {@code __ioapic_write_entry}, high dword first.
     *
     * @param gsi GSI
     */
    public void eoiByEdgeSwitch(final int gsi) {
        final Chip c = chipFor(gsi);
        if (c == null) {
            return;
        }
        final int pin = gsi - c.gsiBase();
        final long low = readReg(c.address(), IoApicRegisters.redtblLow(pin)) & 0xFFFF_FFFFL;
        final long high = readReg(c.address(), IoApicRegisters.redtblHigh(pin)) & 0xFFFF_FFFFL;
        final long entry = low | high << 32;
        writeEntry(c, pin, Rte.withMask(entry, true) & ~Rte.TRIGGER_LEVEL);
        writeEntry(c, pin, entry);
    }

    /**
     * Reads a GSI's entry.
     *
     * @param gsi GSI
     * @return the entry, or -1 if no IO-APIC has the GSI
     */
    public long readEntry(final int gsi) {
        final Chip c = chipFor(gsi);
        if (c == null) {
            return -1;
        }
        final int pin = gsi - c.gsiBase();
        final long low = readReg(c.address(), IoApicRegisters.redtblLow(pin)) & 0xFFFF_FFFFL;
        return low | ((readReg(c.address(), IoApicRegisters.redtblHigh(pin)) & 0xFFFF_FFFFL) << 32);
    }

    private void writeEntry(final Chip c, final int pin, final long rte) {
        writeReg(c.address(), IoApicRegisters.redtblHigh(pin), Rte.high(rte));
        writeReg(c.address(), IoApicRegisters.redtblLow(pin), Rte.low(rte));
    }

    private int readReg(final long base, final int index) {
        cpu.mmioWrite(base + IoApicRegisters.IOREGSEL, 4, index);
        return (int) cpu.mmioRead(base + IoApicRegisters.IOWIN, 4);
    }

    private void writeReg(final long base, final int index, final int value) {
        cpu.mmioWrite(base + IoApicRegisters.IOREGSEL, 4, index);
        cpu.mmioWrite(base + IoApicRegisters.IOWIN, 4, value & 0xFFFF_FFFFL);
    }
}
