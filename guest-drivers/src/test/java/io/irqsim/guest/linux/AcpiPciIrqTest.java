package io.irqsim.guest.linux;

import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.platform.PlatformSpec;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Linux's {@code drivers/acpi/pci_irq.c}: {@code _PRT} lookup, bridge swizzling, flags, ISA fallback. */
class AcpiPciIrqTest {

    private static Platform platform(final PlatformSpec spec) {
        return Platform.build(spec, new VirtualClock(), HwTrace.NONE);
    }

    private static AcpiPciIrq acpi(final Platform p) {
        return new AcpiPciIrq(p.pci(), p.firmware(), new AcpiPciLink(p.firmware(), true),
            gsi -> p.ioapicForGsi(gsi) != null);
    }

    // ------------------------------------------------------------------ acpi_pci_irq_lookup

    @Test
    void prtLookupOnBus0FindsTheEntryForTheDeviceAndPin() {
        // acpi_pci_irq_find_prt_entry: (address >> 16) == slot and _PRT pin + 1 == pin
        final Platform p = platform(DefaultPlatform.spec());
        final AcpiPciIrq.Lookup l = acpi(p).lookup(p.pci().function(DefaultPlatform.SHARED_A), 1);
        assertNotNull(l);
        assertEquals(0, l.bus());
        assertEquals(4, l.device());
        assertEquals(1, l.pin());
        assertEquals(DefaultPlatform.SHARED_GSI, l.entry().sourceIndex());
    }

    @Test
    void prtLookupMatchesThePinNotJustTheSlot() {
        // acpi_pci_irq_find_prt_entry: 00:04.0 has an entry for INTA only; INTB has none on bus 0
        final Platform p = platform(DefaultPlatform.spec());
        assertNull(acpi(p).lookup(p.pci().function(DefaultPlatform.SHARED_A), 2));
    }

    @Test
    void lookupSwizzlesThroughTheBridgeWhenItsBusHasNoPrt() {
        // acpi_pci_irq_lookup: bus 1 has no _PRT, so 01:02.0 INTA becomes ((1-1+2)%4)+1 = INTC of 00:1e
        final Platform p = platform(DefaultPlatform.spec());
        final AcpiPciIrq.Lookup l = acpi(p).lookup(p.pci().function(DefaultPlatform.BEHIND_BRIDGE), 1);
        assertNotNull(l);
        assertEquals(0, l.bus());
        assertEquals(0x1e, l.device());
        assertEquals(3, l.pin());
        assertEquals(DefaultPlatform.BEHIND_BRIDGE_GSI, l.entry().sourceIndex());
    }

    @Test
    void resolveSwizzledDeviceGivesGsi22LevelLowAndWhereTheEntryWas() {
        // acpi_pci_irq_enable: static entry through the bridge, defaults level / active-low
        final Platform p = platform(DefaultPlatform.spec());
        final AcpiPciIrq.Routing r = acpi(p).resolve(p.pci().function(DefaultPlatform.BEHIND_BRIDGE));
        assertEquals(new AcpiPciIrq.Routing(22, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, "", 0, 0x1e, 3), r);
    }

    @Test
    void bridgeBusWithItsOwnPrtIsUsedDirectlyWithoutSwizzling() {
        // acpi_pci_irq_find_prt_entry on dev->bus: the P2P bridge's own _PRT wins over the swizzle
        final Platform p = platform(Specs.withBusPrt(DefaultPlatform.spec(), 1, List.of(PrtEntry.toGsi(2, 0, 19))));
        final AcpiPciIrq.Routing r = acpi(p).resolve(p.pci().function(DefaultPlatform.BEHIND_BRIDGE));
        assertEquals(19, r.gsi());
        assertEquals(1, r.prtBus());
        assertEquals(2, r.prtDevice());
        assertEquals(1, r.prtPin(), "the pin is not swizzled when the device's own bus has the entry");
    }

    @Test
    void bridgeBusPrtWithoutAnEntryForTheDeviceFallsBackToTheSwizzle() {
        // acpi_pci_irq_lookup: a _PRT on bus 1 that lacks 01:02.0 INTA does not stop the derivation
        final Platform p = platform(Specs.withBusPrt(DefaultPlatform.spec(), 1, List.of(PrtEntry.toGsi(7, 0, 19))));
        assertEquals(22, acpi(p).resolve(p.pci().function(DefaultPlatform.BEHIND_BRIDGE)).gsi());
    }

    @Test
    void twoLevelsOfBridgesSwizzleAtEachLevel() {
        // acpi_pci_irq_lookup loop: 02:05.0 INTB -> ((2-1+5)%4)+1 = INTC at 01:03.0
        //   -> ((3-1+3)%4)+1 = INTB at 00:1e -> _PRT(0) 0x1e INTB = GSI 21
        final Platform p = platform(Specs.twoBridges());
        final PciFunction dev = p.pci().function(Specs.TWO_DOWN);
        final AcpiPciIrq.Routing r = acpi(p).resolve(dev);
        assertEquals(21, r.gsi());
        assertEquals(0x1e, r.prtDevice());
        assertEquals(2, r.prtPin());
        // the hardware wiring swizzles the same way: the firmware and the wires agree here
        assertEquals("gsi21", dev.intxWire().name());
    }

    @Test
    void noEntryAnywhereGivesNull() {
        // acpi_pci_irq_lookup: "can't derive routing for PCI INT %c" -> NULL
        final Platform p = platform(Specs.withPrt(DefaultPlatform.spec(), Map.of(0,
            List.of(PrtEntry.toLink(3, 0, "LNKA")))));
        final AcpiPciIrq acpi = acpi(p);
        assertNull(acpi.lookup(p.pci().function(DefaultPlatform.BEHIND_BRIDGE), 1));
        assertNull(acpi.resolve(p.pci().function(DefaultPlatform.BEHIND_BRIDGE)));
        assertNull(acpi.resolve(p.pci().function(DefaultPlatform.SHARED_A)), "bus 0 without an entry: no bridge to try");
    }

    @Test
    void resolveOfADeviceWithoutInterruptPinIsNull() {
        // acpi_pci_irq_enable: pin 0 -> no INTx, nothing to look up
        final Platform p = platform(DefaultPlatform.spec());
        assertNull(acpi(p).resolve(p.pci().function(new Bdf(0, 0, 0))));
    }

    // ------------------------------------------------------------------ trigger / polarity

    @Test
    void staticEntryGetsLevelActiveLowDefaults() {
        // acpi_pci_irq_enable: triggering = ACPI_LEVEL_SENSITIVE, polarity = ACPI_ACTIVE_LOW for a GSI entry
        final Platform p = platform(DefaultPlatform.spec());
        final AcpiPciIrq.Routing r = acpi(p).resolve(p.pci().function(DefaultPlatform.SHARED_B));
        assertEquals(DefaultPlatform.SHARED_GSI, r.gsi());
        assertEquals(IrqTrigger.LEVEL, r.trigger());
        assertEquals(IrqPolarity.ACTIVE_LOW, r.polarity());
        assertEquals("", r.link());
    }

    @Test
    void linkEntryTakesTheLinksTriggerAndPolarity() {
        // acpi_pci_link_allocate_irq overwrites trig/pol with the link's _PRS descriptor flags
        final PlatformSpec spec = Specs.withLinks(DefaultPlatform.spec(), List.of(new PlatformSpec.LinkSpec("LNKA",
            List.of(16), IrqTrigger.EDGE, IrqPolarity.ACTIVE_HIGH, false, true, 16)));
        final Platform p = platform(spec);
        final AcpiPciIrq.Routing r = acpi(p).resolve(p.pci().function(DefaultPlatform.NIC));
        assertEquals(new AcpiPciIrq.Routing(16, IrqTrigger.EDGE, IrqPolarity.ACTIVE_HIGH, "LNKA", 0, 3, 1), r);
    }

    @Test
    void defaultLinkGivesLevelLowAndAllocatesTheLink() {
        // acpi_pci_link_allocate_irq: refcnt++ on each successful allocation
        final Platform p = platform(DefaultPlatform.spec());
        final AcpiPciIrq acpi = acpi(p);
        final AcpiPciIrq.Routing r = acpi.resolve(p.pci().function(DefaultPlatform.NIC));
        assertEquals(new AcpiPciIrq.Routing(16, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, "LNKA", 0, 3, 1), r);
        assertEquals(1, acpi.links().refcount("LNKA"));
    }

    @Test
    void linkThatCannotBeAllocatedGivesNoRouting() {
        // acpi_pci_irq_enable: acpi_pci_link_allocate_irq < 0 -> gsi -1 (no routing)
        final PlatformSpec spec = Specs.withLinks(DefaultPlatform.spec(), List.of(new PlatformSpec.LinkSpec("LNKA",
            List.of(0, 1, 2), IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW, true, false, 0)));
        final Platform p = platform(spec);
        assertNull(acpi(p).resolve(p.pci().function(DefaultPlatform.NIC)));
    }

    // ------------------------------------------------------------------ ISA fallback

    private static int fallbackWithLine(final PlatformSpec spec, final int line) {
        final Platform p = platform(spec);
        final PciFunction f = p.pci().function(DefaultPlatform.NIC);
        f.configWrite(PciConfigRegisters.INTERRUPT_LINE, 1, line);
        return acpi(p).isaFallbackGsi(f);
    }

    /** The default machine's overrides (0 -> 2, 9 -> 9) and ISA IRQ 10 moved to {@code gsi} (level, low). */
    private static PlatformSpec movingIrq10ToGsi(final int gsi) {
        return Specs.withOverrides(DefaultPlatform.spec(), List.of(
            InterruptSourceOverride.of(0, 2, null, null),
            InterruptSourceOverride.of(9, 9, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW),
            InterruptSourceOverride.of(10, gsi, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW)));
    }

    @Test
    void isaFallbackUsesTheInterruptLineOnAnIsaIrq() {
        // acpi_isa_register_gsi: 0 < dev->irq <= 15, no override -> GSI of the same number
        assertEquals(11, fallbackWithLine(DefaultPlatform.spec(), 11));
        assertEquals(9, fallbackWithLine(DefaultPlatform.spec(), 9), "the SCI override 9->9 keeps 9");
    }

    @Test
    void isaFallbackMapsTheLineThroughMadtOverrides() {
        // acpi_isa_irq_to_gsi: an Interrupt Source Override moves ISA IRQ 10 to GSI 20
        assertEquals(20, fallbackWithLine(movingIrq10ToGsi(20), 10));
    }

    @Test
    void isaFallbackIgnoresAnOverrideToAGsiNoIoApicHas() {
        // mp_override_legacy_irq returns before touching isa_irq_to_gsi when mp_register_ioapic_irq finds no
        // IO-APIC for the GSI (the default machine's only IO-APIC ends at GSI 23): IRQ 10 stays on GSI 10
        assertEquals(10, fallbackWithLine(movingIrq10ToGsi(40), 10));
    }

    @Test
    void isaFallbackRejectsLineZeroEvenWithTheIrq0Override() {
        // acpi_isa_register_gsi: dev->irq > 0 is required; the ISO 0->2 does not make line 0 usable
        assertEquals(-1, fallbackWithLine(DefaultPlatform.spec(), 0));
    }

    @Test
    void isaFallbackRejectsLinesAbove15() {
        // acpi_isa_register_gsi: "Interrupt Line values above 0xF are forbidden" (0xff = not connected)
        assertEquals(-1, fallbackWithLine(DefaultPlatform.spec(), 16));
        assertEquals(-1, fallbackWithLine(DefaultPlatform.spec(), 0xFF));
    }

    @Test
    void isaFallbackRejectsIsaIrqsThatAreNeverAvailable() {
        // acpi_isa_irq_available: penalty >= PIRQ_PENALTY_ISA_ALWAYS (IRQ 0 timer, 1 keyboard, 2 cascade)
        assertEquals(-1, fallbackWithLine(DefaultPlatform.spec(), 1));
        assertEquals(-1, fallbackWithLine(DefaultPlatform.spec(), 2));
        assertEquals(3, fallbackWithLine(DefaultPlatform.spec(), 3), "IRQ 3 is only 'typical', still available");
    }

    // arch/x86/kernel/acpi/boot.c:mp_override_legacy_irq, acpi_isa_irq_to_gsi@v6.12
    @Test
    void anOverrideOntoAnotherIsaIrqsGsiTakesThatIrqOutOfTheIsaToGsiTable() {
        // mp_override_legacy_irq: an override to a GSI below 16 that still maps to itself resets that entry to
        // "invalid"; ISA IRQ 5 -> GSI 10 leaves line 10 with no GSI, while line 5 maps to GSI 10
        final PlatformSpec spec = Specs.withOverrides(DefaultPlatform.spec(), List.of(
            InterruptSourceOverride.of(0, 2, null, null),
            InterruptSourceOverride.of(9, 9, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW),
            InterruptSourceOverride.of(5, 10, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW)));
        assertEquals(-1, fallbackWithLine(spec, 10));
        assertEquals(10, fallbackWithLine(spec, 5));
        assertEquals(11, fallbackWithLine(spec, 11));
    }

    // arch/x86/kernel/acpi/boot.c:acpi_isa_irq_to_gsi; arch/x86/pci/xen.c:pci_xen_initial_domain@v6.12
    @Test
    void withoutLegacyIrqsTheIsaFallbackFindsNoGsi() {
        // acpi_isa_irq_to_gsi needs isa_irq < nr_legacy_irqs(); a PV dom0 has no PIC, so nr_legacy_irqs() is 0
        // (pci_xen_initial_domain says so where it pre-allocates the legacy IRQs with NR_IRQS_LEGACY instead)
        final Platform p = platform(DefaultPlatform.spec());
        final PciFunction f = p.pci().function(DefaultPlatform.NIC);
        f.configWrite(PciConfigRegisters.INTERRUPT_LINE, 1, 11);
        assertEquals(11, acpi(p).isaFallbackGsi(f, 16));
        assertEquals(-1, acpi(p).isaFallbackGsi(f, 0));
    }
}
