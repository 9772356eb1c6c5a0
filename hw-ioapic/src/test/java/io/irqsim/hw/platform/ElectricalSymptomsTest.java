package io.irqsim.hw.platform;

import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.wire.IrqWire;
import org.junit.jupiter.api.Test;

import static io.irqsim.hw.platform.DefaultPlatform.BEHIND_BRIDGE;
import static io.irqsim.hw.platform.DefaultPlatform.BEHIND_BRIDGE_GSI;
import static io.irqsim.hw.platform.DefaultPlatform.NIC;
import static io.irqsim.hw.platform.DefaultPlatform.NIC_GSI;
import static io.irqsim.hw.platform.DefaultPlatform.SHARED_A;
import static io.irqsim.hw.platform.DefaultPlatform.SHARED_B;
import static io.irqsim.hw.platform.DefaultPlatform.SHARED_GSI;
import static io.irqsim.hw.platform.Machine.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The electrical symptoms of right and wrong IO-APIC programming, end to end on the default
 * platform: a PCI function's interrupt condition drives its open-drain, active-low INTx# line
 * (PCI Local Bus Specification 3.0, 2.2.6), the line reaches an IO-APIC pin whose RTE polarity bit
 * says which level is asserted and whose trigger bit says whether a transition or a level counts
 * (82093AA datasheet, "I/O Redirection Table Registers", bits 13 and 15). Firmware describes PCI
 * lines as level, active low (ACPI 6.5, 6.2.13 and the link's descriptor; Linux
 * {@code acpi_pci_irq_enable} passes ACPI_LEVEL_SENSITIVE / ACPI_ACTIVE_LOW to
 * {@code acpi_register_gsi}); getting either bit wrong has a real symptom.
 */
class ElectricalSymptomsTest {

    private static final int VEC16 = 0x31;
    private static final int VEC17 = 0x41;

    private final Machine m = new Machine();
    private final PciFunction nic = m.device(NIC);
    private final PciFunction a = m.device(SHARED_A);
    private final PciFunction b = m.device(SHARED_B);

    // ---------------------------------------------------------------- (a) correct: level, active low

    // 82093AA: a level, active-low entry on an idle (high) PCI line sees nothing asserted
    @Test
    void levelActiveLowEntryOnAnIdlePciLineDeliversNothingWhenUnmasked() {
        m.program(NIC_GSI, entry(VEC16, true, true, 0));
        assertEquals(0, m.delivered());
        assertEquals(LocalApic.NO_INTERRUPT, m.take(0));
        assertFalse(m.ioapic().isAsserted(NIC_GSI));
    }

    // 82093AA level semantics + LAPIC EOI broadcast: each device assertion is delivered exactly once
    @Test
    void levelActiveLowDeliversEachDeviceAssertionExactlyOnce() {
        m.program(NIC_GSI, entry(VEC16, true, true, 0));
        for (int round = 1; round <= 5; round++) {
            nic.setInterruptRequest(true);
            assertEquals(round, m.delivered(), "assertion " + round + " delivered");
            assertTrue(Rte.remoteIrr(m.readEntry(NIC_GSI)), "Remote IRR set once the LAPIC accepted it");
            assertEquals(VEC16, m.take(0));
            assertTrue(m.platform.lapic(0).tmr(VEC16), "TMR marks it level");
            // the driver's handler reads the device and clears its interrupt condition, then EOIs
            nic.setInterruptRequest(false);
            m.eoi(0);
            assertFalse(Rte.remoteIrr(m.readEntry(NIC_GSI)), "the EOI broadcast cleared Remote IRR");
            assertEquals(LocalApic.NO_INTERRUPT, m.take(0), "nothing left pending after EOI");
            assertEquals(round, m.delivered(), "no re-delivery: the line is idle again");
        }
    }

    // 82093AA: while Remote IRR is set a level entry sends nothing more, however long the line stays asserted
    @Test
    void levelActiveLowHoldsOffWhileTheFirstIsInService() {
        m.program(NIC_GSI, entry(VEC16, true, true, 0));
        nic.setInterruptRequest(true);
        assertEquals(VEC16, m.take(0));
        m.clock.advanceBy(1_000_000_000L);
        assertEquals(1, m.delivered());
        assertEquals(-1, m.pending(0));
    }

    // PCI 3.0 6.2.2 command bit 10 / Linux pci_check_and_mask_intx: a disabled function's condition reaches no CPU
    @Test
    void intxDisableInTheCommandRegisterHoldsTheInterruptUntilCleared() {
        m.program(NIC_GSI, entry(VEC16, true, true, 0));
        m.platform.pci().configWrite(NIC, PciConfigRegisters.COMMAND, 2, PciConfigRegisters.COMMAND_INTX_DISABLE);
        nic.setInterruptRequest(true);
        assertEquals(0, m.delivered());
        assertEquals(PciConfigRegisters.STATUS_INTERRUPT,
            m.platform.pci().configRead(NIC, PciConfigRegisters.STATUS, 2) & PciConfigRegisters.STATUS_INTERRUPT);
        m.platform.pci().configWrite(NIC, PciConfigRegisters.COMMAND, 2, 0);
        assertEquals(1, m.delivered());
        assertEquals(VEC16, m.take(0));
    }

    // PCI-to-PCI Bridge Arch 1.2 table 9-1: 01:02.0 INTA arrives on the bridge slot's INTC, GSI 22
    @Test
    void deviceBehindTheBridgeInterruptsOnTheSwizzledGsi() {
        m.program(BEHIND_BRIDGE_GSI, entry(0x51, true, true, 1));
        m.device(BEHIND_BRIDGE).setInterruptRequest(true);
        assertEquals(0x51, m.take(1), "delivered to APIC id 1");
        assertEquals(LocalApic.NO_INTERRUPT, m.take(0));
        assertFalse(m.platform.wire(BEHIND_BRIDGE_GSI).electricalHigh());
        assertTrue(m.platform.wire(20).electricalHigh());
    }

    // ---------------------------------------------------------------- (b) wrong polarity: storm

    // 82093AA bit 13 = 0 (active high) on a pulled-up PCI line: the idle line counts as asserted
    @Test
    void wrongPolarityLevelEntryStormsWithNoDeviceActivity() {
        m.program(NIC_GSI, entry(VEC16, true, false, 0));
        assertTrue(m.platform.wire(NIC_GSI).electricalHigh(), "the line is idle: electrically high");
        assertFalse(nic.isDrivingIntx());
        assertTrue(m.ioapic().isAsserted(NIC_GSI), "active high: the idle line counts as asserted");
        assertEquals(1, m.delivered(), "unmasking an 'asserted' level pin delivers at once (QEMU ioapic_service)");
        for (int round = 1; round <= 20; round++) {
            assertEquals(VEC16, m.take(0), "round " + round + ": the vector again");
            m.eoi(0);
            assertEquals(VEC16, m.pending(0), "round " + round + ": re-delivered right after EOI");
        }
        assertEquals(21, m.delivered());
        assertFalse(nic.interruptRequest(), "the device never asked for any of them");
    }

    // ICH/82093AA datasheets: nothing in the part throttles EOI re-delivery (the 10 ms storm guard is
    // QEMU's ioapic_eoi_broadcast and KVM's kvm_ioapic_update_eoi_one, not hardware's); Xen's
    // irq_ratelimit in do_IRQ is what bounds such a storm on a real machine (hv-core)
    @Test
    void wrongPolarityStormOnAPhysicalIoApicIsNotThrottledByThePart() {
        m.program(NIC_GSI, entry(VEC16, true, false, 0));
        for (int i = 0; i < 2 * IoApic.STORM_MAX_SUCCESSIVE; i++) {
            assertEquals(VEC16, m.take(0));
            m.eoi(0);
        }
        assertEquals(1 + 2 * IoApic.STORM_MAX_SUCCESSIVE, m.delivered(), "every EOI re-delivered at once");
        assertEquals(0, m.ioapic().stormDeferrals());
        assertEquals(VEC16, m.pending(0));
        assertFalse(Rte.isDeliveryPending(m.readEntry(NIC_GSI)));
    }

    // fixing the polarity bit (Linux: what acpi_register_gsi should have done) ends the storm
    @Test
    void correctingThePolarityBitStopsTheStorm() {
        m.program(NIC_GSI, entry(VEC16, true, false, 0));
        assertEquals(VEC16, m.take(0));
        m.program(NIC_GSI, entry(VEC16, true, true, 0) | Rte.MASKED);
        m.eoi(0);
        m.program(NIC_GSI, entry(VEC16, true, true, 0));
        assertEquals(-1, m.pending(0));
        assertEquals(1, m.delivered());
    }

    // ---------------------------------------------------------------- (c) wrong trigger: lost interrupt

    // 82093AA edge semantics on a wire-ORed PCI line: B asserting under A makes no edge, so B is lost
    @Test
    void edgeEntryOnASharedLineLosesTheSecondDevicesInterrupt() {
        m.program(SHARED_GSI, entry(VEC17, false, true, 0));
        final IrqWire line = m.platform.wire(SHARED_GSI);

        a.setInterruptRequest(true);
        assertEquals(1, m.delivered(), "A's assertion is a falling edge: delivered");
        assertEquals(VEC17, m.take(0));

        b.setInterruptRequest(true);
        assertEquals(1, m.delivered(), "B asserts while A holds the line low: no new edge");
        assertEquals(2, line.assertingDrivers());

        // A's handler services A only (edge-triggered ISR), then EOIs
        a.setInterruptRequest(false);
        m.eoi(0);
        assertFalse(line.electricalHigh(), "B still holds the line low");
        assertEquals(LocalApic.NO_INTERRUPT, m.take(0), "B's interrupt is lost");
        assertEquals(1, m.delivered(), "only one delivery for two device interrupts");
        assertTrue(b.interruptRequest(), "B still waits for service");

        // and the line is now stuck low: A's next interrupt is lost too
        a.setInterruptRequest(true);
        assertEquals(1, m.delivered());
        assertEquals(LocalApic.NO_INTERRUPT, m.take(0));
    }

    // 82093AA level semantics: with the trigger bit right, B's interrupt comes in after A's EOI
    @Test
    void levelEntryOnASharedLineDeliversTheSecondDeviceAfterTheFirstIsHandled() {
        m.program(SHARED_GSI, entry(VEC17, true, true, 0));

        a.setInterruptRequest(true);
        assertEquals(VEC17, m.take(0));
        b.setInterruptRequest(true);
        assertEquals(1, m.delivered(), "Remote IRR holds B off while A is in service");
        assertEquals(-1, m.pending(0));

        a.setInterruptRequest(false);
        m.eoi(0);
        assertEquals(2, m.delivered(), "the EOI finds the line still asserted by B");
        assertEquals(VEC17, m.take(0), "B's interrupt");
        b.setInterruptRequest(false);
        m.eoi(0);
        assertEquals(LocalApic.NO_INTERRUPT, m.take(0));
        assertEquals(2, m.delivered());
    }

    // ---------------------------------------------------------------- (d) edge + wrong polarity

    // 82093AA: with bit 13 = 0 the rising edge is the active one; on an active-low line that is the release
    @Test
    void edgeActiveHighEntryFiresOnTheDevicesReleaseNotItsAssertion() {
        m.program(NIC_GSI, entry(VEC16, false, false, 0));
        assertEquals(0, m.delivered(), "unmasking an edge entry delivers nothing");

        nic.setInterruptRequest(true);
        assertEquals(0, m.delivered(), "the device's assertion (falling edge) is not an active edge");
        assertEquals(LocalApic.NO_INTERRUPT, m.take(0));

        nic.setInterruptRequest(false);
        assertEquals(1, m.delivered(), "the release (rising edge) is");
        assertEquals(VEC16, m.take(0));
        assertFalse(m.platform.lapic(0).tmr(VEC16), "an edge interrupt: TMR clear");
        m.eoi(0);
        assertEquals(LocalApic.NO_INTERRUPT, m.take(0));
    }

    // contrast: edge with the right polarity fires on the assertion
    @Test
    void edgeActiveLowEntryFiresOnTheDevicesAssertion() {
        m.program(NIC_GSI, entry(VEC16, false, true, 0));
        nic.setInterruptRequest(true);
        assertEquals(1, m.delivered());
        nic.setInterruptRequest(false);
        assertEquals(1, m.delivered());
        assertEquals(VEC16, m.take(0));
    }

    // ---------------------------------------------------------------- ISA

    // the MADT override IRQ0 -> GSI2 describes real wiring: the PIT's line is IO-APIC pin 2
    @Test
    void isaIrq0InterruptsOnPin2() {
        m.program(2, entry(0x30, false, false, 0));
        m.program(0, entry(0x20, false, false, 0));
        final IrqWire pit = m.platform.isaWire(0);
        final int d = pit.attachDriver("pit");
        pit.drive(d, true);
        assertEquals(0x30, m.take(0), "delivered with pin 2's vector");
        assertEquals(LocalApic.NO_INTERRUPT, m.take(0), "pin 0 saw nothing");
    }
}
