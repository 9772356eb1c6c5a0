package io.irqsim.hv.domain;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicModel;
import io.irqsim.hw.ioapic.IoApicRegisters;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A domain's bookkeeping: the pirq space ({@code pirq_info}, {@code domain_pirq_to_irq},
 * {@code domain_irq_to_pirq}; {@code unmap_domain_pirq} in {@code xen/arch/x86/irq.c}@RELEASE-4.18.0 leaves
 * {@code -irq} behind on a forced unbind), the trap of every emulated MMIO access, and the guest-EOI listeners.
 */
class DomainPlumbingTest {

    /** {@code pirq_info} is NULL outside {@code [0, nr_pirqs)}; a forced unbind leaves {@code arch.irq = -irq}. */
    @Test
    void pirqSpaceMapsBothWaysAndKeepsANegativeIrqAfterAForcedUnbind() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final PirqTable t = domu.pirqs();
        assertNull(t.get(-1));
        assertNull(t.get(t.nrPirqs()));
        assertEquals(0, t.pirqToIrq(t.nrPirqs()));
        assertEquals(0, t.irqToPirq(0), "IRQ 0 is never a guest's");
        assertEquals(0, t.irqToPirq(-3));
        t.link(40, 16);
        t.link(41, 17);
        assertEquals(16, t.pirqToIrq(40));
        assertEquals(40, t.irqToPirq(16));
        assertEquals(41, t.irqToPirq(17));
        assertEquals(List.of(40, 41), t.mapped().stream().map(Pirq::pirq).toList());
        t.unlink(40, false);
        assertEquals(0, t.get(40).irq());
        assertEquals(0, t.irqToPirq(16));
        t.unlink(41, true);
        assertEquals(-17, t.get(41).irq(), "forced unbind marker");
        assertEquals(0, t.pirqToIrq(40));
        assertTrue(t.mapped().isEmpty(), "neither 0 nor a negative marker is a mapping");
        t.unlink(42, false); // no struct pirq: nothing
        assertNull(t.get(42));
        assertEquals("d" + domu.id() + " pirq 41 -> irq -17", t.get(41).toString());
    }

    /** HvmIrq drives a vIO-APIC's inputs as logical levels: a model that reads electrical ones is refused, and nothing is mapped. */
    @Test
    void aVioapicWithElectricalInputsIsRefused() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final long at = 0xFED0_0000L;
        final IoApic hardware = new IoApic("electrical", IoApicModel.i82093aa(24), 9, 0, domu.apicBus(),
            rig.xen.platform().clock(), io.irqsim.hw.trace.HwTrace.NONE);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> domu.addVioapic(hardware, at));
        assertTrue(e.getMessage().contains("electrical") && e.getMessage().contains("logical inputs"), e.getMessage());
        assertEquals(1, domu.vioapics().size(), "only Xen's own vIO-APIC");
        assertNull(domu.vcpu(0).bus().deviceAt(at), "nothing mapped at " + Long.toHexString(at));
    }

    /** Every emulated access traps: a = guest-physical address, b = size (| 0x100 for a write), c = the value. */
    @Test
    void everyTrappedAccessIsTracedWithAddressSizeDirectionAndValue() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final Vcpu v = domu.vcpu(0);
        final int before = rig.count(HvEvent.MMIO_TRAP);
        v.mmioWrite(Rig.defaultVioapicBase() + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.REG_VER);
        final long ver = v.mmioRead(Rig.defaultVioapicBase() + IoApicRegisters.IOWIN, 4);
        assertEquals(0x11 | 47 << 16, ver);
        final List<TraceRecord> traps = rig.records(HvEvent.MMIO_TRAP);
        assertEquals(before + 2, traps.size());
        final TraceRecord w = traps.get(before);
        assertEquals(Rig.defaultVioapicBase() + IoApicRegisters.IOREGSEL, w.a());
        assertEquals(4 | 1 << 8, w.b());
        assertEquals(IoApicRegisters.REG_VER, w.c());
        final TraceRecord r = traps.get(before + 1);
        assertEquals(Rig.defaultVioapicBase() + IoApicRegisters.IOWIN, r.a());
        assertEquals(4, r.b());
        assertEquals(ver, r.c());
        assertEquals(domu.id(), r.domain());
    }

    /** Listeners hear every guest EOI in the order added; one removed from the middle hears no more. */
    @Test
    void gsiEoiListenersAreToldInOrderAndCanBeRemovedFromTheMiddle() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final List<String> heard = new ArrayList<>();
        final GsiEoiListener a = (d, gsi) -> heard.add("a" + gsi);
        final GsiEoiListener b = (d, gsi) -> heard.add("b" + gsi);
        final GsiEoiListener c = (d, gsi) -> heard.add("c" + gsi);
        domu.addGsiEoiListener(a);
        domu.addGsiEoiListener(b);
        domu.addGsiEoiListener(c);
        domu.gsiEoi(20);
        domu.removeGsiEoiListener(b);
        domu.removeGsiEoiListener(b);
        domu.gsiEoi(21);
        domu.removeGsiEoiListener(a);
        domu.gsiEoi(22);
        assertEquals(List.of("a20", "b20", "c20", "a21", "c21", "c22"), heard);
        assertEquals("d" + domu.id() + " (domU, HVM)", domu.toString());
        assertEquals("d0 (dom0, PVH, hardware domain)", rig.xen.hardwareDomain().toString());
    }
}
