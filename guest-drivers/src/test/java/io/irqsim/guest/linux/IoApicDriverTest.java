package io.irqsim.guest.linux;

import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Linux's IO-APIC driver ({@code arch/x86/kernel/apic/io_apic.c}) against a real domain's trapped
 * vIO-APIC (Xen's {@code vioapic.c} register model).
 */
class IoApicDriverTest {

    private static final int GSI = 20;
    private static final int VECTOR = 0x51;
    /** hvm_pci_intx_gsi(1, INTA) = 20: virtual device 1's INTA drives the GSI under test. */
    private static final int DEV = 1;

    private Hypervisor xen;
    private Domain domU;
    private IoApic vioapic;
    private IoApicDriver drv;

    @BeforeEach
    void hvmGuest() {
        xen = Hypervisor.boot(DefaultPlatform.spec(), XenConfig.XEN_4_18);
        domU = xen.createDomain(DomainConfig.hvmGuest("guest", 1));
        vioapic = domU.vioapics().get(0);
        drv = new IoApicDriver(domU.vcpu(0));
        drv.setup(HvmFirmware.tables(1).madt().ioApics());
        assertEquals(GSI, HvmIrq.pciIntxGsi(DEV, 0));
    }

    private List<TraceRecord> rteWritesSince(final long mark, final int gsi) {
        final List<TraceRecord> out = new ArrayList<>();
        final List<TraceRecord> all = xen.trace().reader().records();
        for (int i = (int) mark; i < all.size(); i++) {
            final TraceRecord r = all.get(i);
            if (r.event() == HvEvent.VIOAPIC_RTE_WRITE && r.a() == gsi) {
                out.add(r);
            }
        }
        return out;
    }

    private long configured() {
        return Rte.of(VECTOR, Rte.DM_FIXED, false, true, true, true, 0);
    }

    // ------------------------------------------------------------------ setup_IO_APIC / clear_IO_APIC

    @Test
    void setupLearnsVersionAndPinCountFromTheVioapicRegisters() {
        // setup_IO_APIC -> io_apic_get_redir_entries: IOAPICVER through MMIO; Xen's vIO-APIC is 0x11 with 48 pins
        assertEquals(List.of(new IoApicDriver.Chip(IoApicRegisters.DEFAULT_BASE, 0, 48, IoApicRegisters.VERSION_11)),
            drv.chips());
    }

    @Test
    void setupOfAPvhDom0SeesItsVioapicNotThePhysicalOne() {
        // vioapic_init for the hardware domain: same base and pins as the physical IO-APIC (0x20, 24 pins)
        // but Xen's version 0x11
        final Domain d0 = xen.createDomain(DomainConfig.dom0(DomainType.PVH, 1));
        final IoApicDriver d0drv = new IoApicDriver(d0.vcpu(0));
        d0drv.setup(xen.platform().firmware().madt().ioApics());
        assertEquals(List.of(new IoApicDriver.Chip(IoApicRegisters.DEFAULT_BASE, 0, 24, IoApicRegisters.VERSION_11)),
            d0drv.chips());
    }

    @Test
    void setupMasksEveryPinWithAnEntryThatIsOnlyTheMaskBit() {
        // clear_IO_APIC_pin -> ioapic_mask_entry: { .masked = true }, low dword then high dword
        final Domain other = xen.createDomain(DomainConfig.hvmGuest("other", 1));
        final IoApic io = other.vioapics().get(0);
        io.writeIndirect(IoApicRegisters.redtblHigh(5), 0xFF00_0000);
        io.writeIndirect(IoApicRegisters.redtblLow(5), 0x8055);
        io.writeIndirect(IoApicRegisters.redtblLow(40), 0x2061);
        assertFalse(Rte.isMasked(io.rte(5)));
        new IoApicDriver(other.vcpu(0)).setup(HvmFirmware.tables(1).madt().ioApics());
        for (int pin = 0; pin < 48; pin++) {
            assertEquals(Rte.MASKED, io.rte(pin), "pin " + pin);
        }
    }

    @Test
    void setupWritesLowDwordBeforeHighDword() {
        // ioapic_mask_entry: io_apic_write(0x10 + 2n, w1) then io_apic_write(0x11 + 2n, w2)
        final Domain other = xen.createDomain(DomainConfig.hvmGuest("other", 1));
        other.vioapics().get(0).writeIndirect(IoApicRegisters.redtblHigh(3), 0x0200_0000);
        final long mark = xen.trace().recordCount();
        new IoApicDriver(other.vcpu(0)).setup(HvmFirmware.tables(1).madt().ioApics());
        final List<TraceRecord> w = rteWritesSince(mark, 3);
        assertEquals(2, w.size());
        assertEquals(Rte.MASKED | 0x0200_0000_0000_0000L, w.get(0).c(), "low first: the old destination is still there");
        assertEquals(Rte.MASKED, w.get(1).c());
    }

    // ------------------------------------------------------------------ ioapic_configure_entry

    @Test
    void configureWritesTheEntryMaskedWithVectorTriggerPolarityAndDestination() {
        // mp_irqdomain_activate -> ioapic_configure_entry: the entry is written masked
        assertTrue(drv.configure(GSI, VECTOR, true, true, 2));
        final long rte = vioapic.rte(GSI);
        assertEquals(VECTOR, Rte.vector(rte));
        assertTrue(Rte.isLevel(rte));
        assertTrue(Rte.isActiveLow(rte));
        assertTrue(Rte.isMasked(rte));
        assertEquals(2, Rte.destination(rte));
        assertEquals(Rte.DM_FIXED, Rte.deliveryMode(rte));
        assertFalse(Rte.isLogical(rte));
        assertEquals(rte, drv.readEntry(GSI), "readEntry reads the same through MMIO");
    }

    @Test
    void configureWritesTheHighDwordFirst() {
        // __ioapic_write_entry: io_apic_write(0x11 + 2n, w2) then io_apic_write(0x10 + 2n, w1)
        final long mark = xen.trace().recordCount();
        drv.configure(GSI, VECTOR, false, false, 2);
        final List<TraceRecord> w = rteWritesSince(mark, GSI);
        assertEquals(2, w.size());
        assertEquals(0x02L, w.get(0).c() >>> 56, "first write: destination");
        assertEquals(Rte.MASKED, w.get(0).c() & 0xFFFF_FFFFL, "low dword still the masked reset value");
        assertEquals(VECTOR, Rte.vector(w.get(1).c()), "second write: the low dword");
        assertTrue(Rte.isMasked(w.get(1).c()));
    }

    @Test
    void configureOfAGsiNoIoApicHasFails() {
        // mp_map_gsi_to_irq: no IO-APIC pin for the GSI
        assertFalse(drv.configure(48, VECTOR, true, true, 0));
        assertEquals(-1, drv.readEntry(48));
        assertEquals(null, drv.chipFor(48));
    }

    // ------------------------------------------------------------------ unmask / mask

    @Test
    void unmaskAndMaskFlipOnlyTheMaskBit() {
        // unmask_ioapic_irq / mask_ioapic_irq: io_apic_modify_irq(..., ~IO_APIC_REDIR_MASKED / |= MASKED)
        drv.configure(GSI, VECTOR, true, true, 0);
        final long before = vioapic.rte(GSI);
        drv.unmask(GSI);
        assertEquals(before & ~Rte.MASKED, vioapic.rte(GSI));
        drv.mask(GSI);
        assertEquals(before, vioapic.rte(GSI));
    }

    @Test
    void unmaskRewritesOnlyTheLowDword() {
        // io_apic_modify_irq writes register 0x10 + 2n only
        drv.configure(GSI, VECTOR, true, true, 2);
        final long mark = xen.trace().recordCount();
        drv.unmask(GSI);
        final List<TraceRecord> w = rteWritesSince(mark, GSI);
        assertEquals(1, w.size());
        assertFalse(Rte.isMasked(w.get(0).c()));
        assertEquals(2, Rte.destination(w.get(0).c()));
    }

    @Test
    void maskOfAnUnknownGsiIsIgnored() {
        final long mark = xen.trace().recordCount();
        drv.mask(100);
        drv.unmask(100);
        drv.eoiByEdgeSwitch(100);
        assertEquals(0, rteWritesSince(mark, 100).size());
    }

    // ------------------------------------------------------------------ __eoi_ioapic_pin

    private void deliverLevelInterrupt() {
        domU.vcpu(0).mmioWrite(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.SVR, 4,
            LocalApicRegisters.SVR_ENABLE | 0xFF);
        drv.configure(GSI, VECTOR, true, true, domU.vcpu(0).vlapic().apicId());
        drv.unmask(GSI);
        domU.hvmIrq().pciIntxAssert(DEV, 0); // hvm_pci_intx_assert -> vioapic_deliver
        xen.drain();
        assertTrue(Rte.remoteIrr(vioapic.rte(GSI)), "a delivered level interrupt sets Remote IRR");
        assertTrue(domU.vcpu(0).vlapic().irr(VECTOR) || domU.vcpu(0).vlapic().isr(VECTOR));
    }

    @Test
    void eoiByEdgeSwitchClearsRemoteIrrAndRestoresTheEntry() {
        // __eoi_ioapic_pin (no EOI register, version 0x11): mask + edge, then restore the level entry,
        // each a whole __ioapic_write_entry (high dword, then low); Xen's vioapic_write_redirent clears
        // Remote IRR of an edge entry and treats it as the EOI
        deliverLevelInterrupt();
        final List<Integer> eois = new ArrayList<>();
        domU.addGsiEoiListener((d, gsi) -> eois.add(gsi));
        domU.hvmIrq().pciIntxDeassert(DEV, 0);
        final long mark = xen.trace().recordCount();
        drv.eoiByEdgeSwitch(GSI);
        final long after = vioapic.rte(GSI);
        assertFalse(Rte.remoteIrr(after));
        assertEquals(configured() & ~Rte.MASKED, after, "the level, unmasked entry is back");
        final List<TraceRecord> w = rteWritesSince(mark, GSI);
        assertEquals(4, w.size(), "two whole-entry writes, high dword then low each");
        assertTrue(Rte.isLevel(w.get(0).c()), "the high dword goes first: the entry is still level after it");
        assertFalse(Rte.isLevel(w.get(1).c()), "then the low dword switches it to edge ...");
        assertTrue(Rte.isMasked(w.get(1).c()), "... and masks it");
        assertEquals(after, w.get(3).c(), "the last write restores it");
        assertEquals(List.of(GSI), eois, "Xen saw the switch as the guest's EOI (hvm_dpci_eoi point)");
    }

    @Test
    void eoiByEdgeSwitchOnAStillAssertedLineDeliversAgain() {
        // vioapic_write_redirent: a level entry unmasked with no Remote IRR whose GSI is asserted is delivered now
        deliverLevelInterrupt();
        final long delivered = vioapic.deliveredCount();
        drv.eoiByEdgeSwitch(GSI);
        assertEquals(delivered + 1, vioapic.deliveredCount());
        assertTrue(Rte.remoteIrr(vioapic.rte(GSI)));
    }
}
