package io.irqsim.hv.irq;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code mp_register_gsi} ({@code xen/arch/x86/mpparse.c@RELEASE-4.18.0}, same at
 * {@code RELEASE-4.20.0}) and the {@code io_apic_set_pci_routing} it ends in
 * ({@code xen/arch/x86/io_apic.c}): "No IOAPIC for GSI" is {@code -EINVAL}; an IRQ that is live
 * (not {@code IRQ_DISABLED}, with a handler) is {@code -EEXIST}; otherwise the pin is programmed
 * once ({@code test_and_set_bit(pin_programmed)}), masked, with the caller's trigger and polarity.
 * The boot-time ISA pins are not in {@code pin_programmed}.
 */
class MpRegisterGsiTest {

    private static long flags(final TraceRecord r) {
        return r.b();
    }

    private static TraceRecord lastRegister(final Rig rig) {
        final List<TraceRecord> r = rig.records(HvEvent.GSI_REGISTER);
        return r.get(r.size() - 1);
    }

    // mp_register_gsi: mp_find_ioapic(gsi) < 0 -> "No IOAPIC for GSI", -EINVAL; past the last pin and in a hole
    @Test
    void aGsiNoIoApicServesIsRefusedWithEinval() {
        final Rig rig = Rig.boot(Rig.defaultPlatformWithSecondIoApic(32), XenConfig.XEN_4_20);
        final IoApicRouting routing = rig.xen.ioapicRouting();
        assertEquals(-Errno.EINVAL, routing.mpRegisterGsi(24, true, true), "first GSI after IO-APIC 0's 24 pins");
        assertEquals(-Errno.EINVAL, routing.mpRegisterGsi(31, true, true), "last GSI of the hole");
        assertFalse(routing.isPinProgrammed(24));
        final TraceRecord r = lastRegister(rig);
        assertEquals(31, r.a());
        assertEquals(-Errno.EINVAL, r.c());
    }

    // mp_register_gsi: ioapic_pin = gsi - gsi_base of the IO-APIC that serves it; io_apic_set_pci_routing
    // writes that IO-APIC's entry, masked, with the trigger and polarity asked for
    @Test
    void aGsiOnASecondIoApicProgramsThatIoApicsPinRelativeToItsBase() {
        final Rig rig = Rig.boot(Rig.defaultPlatformWithSecondIoApic(32), XenConfig.XEN_4_20);
        final IoApicRouting routing = rig.xen.ioapicRouting();
        final IoApic second = rig.xen.platform().ioapics().get(1);
        assertEquals(0, routing.mpRegisterGsi(33, true, true));
        final long e = second.rte(1);
        final IrqDesc d = rig.xen.irqDescs().desc(33);
        assertTrue(Rte.isLevel(e));
        assertTrue(Rte.isActiveLow(e));
        assertTrue(Rte.isMasked(e), "masked until a guest binds it");
        assertEquals(d.vector(), Rte.vector(e));
        assertEquals(1, d.ioapic());
        assertEquals(1, d.pin());
        assertEquals(HandlerType.IOAPIC_LEVEL, d.handler());
        assertEquals(Rte.RESET, second.rte(0), "pin 0 (GSI 32) untouched");
        assertTrue(routing.isPinProgrammed(33));
        assertFalse(routing.isPinProgrammed(32));
        assertFalse(routing.isPinProgrammed(1), "IO-APIC 0 pin 1 is another pin");
        assertEquals(-Errno.EEXIST, routing.mpRegisterGsi(33, false, false), "the first configuration sticks");
        assertEquals(e, second.rte(1));
    }

    // mp_register_gsi's trace carries the trigger (2) and polarity (1) it was asked for;
    // io_apic_set_pci_routing: entry.trigger = edge_level, entry.polarity = active_high_low
    @Test
    void eachTriggerAndPolarityIsProgrammedAsAsked() {
        final Rig rig = Rig.boot(Rig.defaultPlatformWithSecondIoApic(24), XenConfig.XEN_4_20);
        final IoApicRouting routing = rig.xen.ioapicRouting();
        final boolean[][] cases = {{false, false}, {false, true}, {true, false}, {true, true}};
        for (int i = 0; i < cases.length; i++) {
            final int gsi = 18 + i;
            assertEquals(0, routing.mpRegisterGsi(gsi, cases[i][0], cases[i][1]));
            final long e = rig.physRte(gsi);
            assertEquals(cases[i][0], Rte.isLevel(e), "gsi " + gsi);
            assertEquals(cases[i][1], Rte.isActiveLow(e), "gsi " + gsi);
            assertEquals(cases[i][0] ? HandlerType.IOAPIC_LEVEL : HandlerType.IOAPIC_EDGE,
                rig.xen.irqDescs().desc(gsi).handler());
            assertEquals((cases[i][0] ? 2 : 0) | (cases[i][1] ? 1 : 0), flags(lastRegister(rig)));
            assertEquals(0, lastRegister(rig).c());
        }
    }

    // mp_register_gsi: "!(desc->status & IRQ_DISABLED) && desc->handler != &no_irq_type" -> -EEXIST; ISA IRQ 4
    // is live once a guest bound it, and its pin was programmed at boot, not by mp_register_gsi
    @Test
    void aLiveIrqIsRefusedWithEexistAndKeepsItsEntry() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvDom0();
        final IoApicRouting routing = rig.xen.ioapicRouting();
        assertFalse(routing.isPinProgrammed(4), "setup_IO_APIC_irqs does not touch pin_programmed");
        dom0.pirqs().link(4, 4);
        assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(dom0, dom0.pirqs().get(4), false));
        final long before = rig.physRte(4);
        assertFalse(Rte.isMasked(before));
        assertEquals(-Errno.EEXIST, routing.mpRegisterGsi(4, true, true));
        assertEquals(before, rig.physRte(4), "still edge, active high");
        assertFalse(routing.isPinProgrammed(4), "refused before pin_programmed is looked at");
        assertEquals(-Errno.EEXIST, lastRegister(rig).c());
    }

    // a disabled ISA IRQ (no guest yet) is not live: its pin is reprogrammed once with the caller's
    // trigger and polarity; assign_irq_vector keeps the vector the IRQ got at boot (0x40 for IRQ 4)
    @Test
    void aDisabledIsaIrqIsReprogrammedOnceAndKeepsItsBootVector() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final IoApicRouting routing = rig.xen.ioapicRouting();
        final IrqDesc d = rig.xen.irqDescs().desc(4);
        assertTrue(d.isDisabled());
        assertEquals(HandlerType.IOAPIC_EDGE, d.handler());
        assertEquals(0, routing.mpRegisterGsi(4, true, true));
        final long e = rig.physRte(4);
        assertTrue(Rte.isLevel(e));
        assertTrue(Rte.isActiveLow(e));
        assertTrue(Rte.isMasked(e));
        assertEquals(0x40, Rte.vector(e));
        assertEquals(HandlerType.IOAPIC_LEVEL, d.handler());
        assertTrue(d.isDisabled(), "mp_register_gsi does not start the IRQ");
        assertEquals(-Errno.EEXIST, routing.mpRegisterGsi(4, false, false), "pin_programmed now set");
        assertEquals(e, rig.physRte(4));
    }

    // until mp_register_gsi routes it, a PCI GSI has no irq_2_pin entry and no_irq_type: mask_IO_APIC_irq and
    // unmask_IO_APIC_irq write nothing, and the IRQ is not configured
    @Test
    void aGsiNeverRegisteredIsNeitherConfiguredNorUnmaskable() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final IoApicRouting routing = rig.xen.ioapicRouting();
        final IrqDesc d = rig.xen.irqDescs().desc(20);
        assertFalse(routing.isConfigured(20));
        assertFalse(routing.isConfigured(rig.xen.irqDescs().nrIrqs()), "no descriptor");
        final int writes = rig.count(io.irqsim.hw.trace.HwEvent.IOAPIC_RTE_WRITE);
        routing.unmask(d);
        routing.mask(d);
        assertEquals(writes, rig.count(io.irqsim.hw.trace.HwEvent.IOAPIC_RTE_WRITE));
        assertEquals(Rte.RESET, rig.physRte(20));
        assertEquals(-1, d.pin(), "irq_2_pin starts empty (enable_IO_APIC); no ISA entry names GSI 20");
        assertEquals(0, routing.mpRegisterGsi(20, true, true));
        assertEquals(20, d.pin(), "io_apic_set_pci_routing's add_pin_to_irq");
        assertTrue(routing.isConfigured(20));
        assertTrue(Rte.isMasked(rig.physRte(20)));
        routing.unmask(d);
        assertFalse(Rte.isMasked(rig.physRte(20)));
        routing.mask(d);
        assertTrue(Rte.isMasked(rig.physRte(20)));
    }
}
