package io.irqsim.hv.domain;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A vCPU's entry points: every guest access is stamped with the accessing domain and the pCPU its
 * vCPU runs on; an access that needs no device model completes at once even when issued as one that
 * may wait; pending pirq events reach a PV kernel in pirq order from pirq 0; and moving a PCI link
 * to the ISA IRQ it already has is a no-op ({@code hvm_set_pci_link_route}, xen/arch/x86/hvm/irq.c@RELEASE-4.20.0:
 * "if ( old_isa_irq == isa_irq ) goto out;").
 */
class VcpuEntryPointsTest {

    static final long VIOAPIC = IoApicRegisters.DEFAULT_BASE;

    @Test
    void aVcpuKnowsItsDomainAndNumber() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain g = rig.xen.createDomain(new DomainConfig("g", DomainType.HVM, 3, false, false, true, false));
        assertSame(g, g.vcpu(2).domain());
        assertEquals(2, g.vcpu(2).id());
        assertEquals("d" + g.id() + "v2", g.vcpu(2).toString());
        assertEquals(3, g.vcpus().size());
        assertSame(g.config(), g.vcpu(0).domain().config());
        assertEquals("g", g.config().name());
    }

    @Test
    void everyAccessIsStampedWithTheAccessingDomainAndItsPcpu() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain g = rig.xen.createDomain(new DomainConfig("g", DomainType.HVM, 2, false, false, true, false));
        final Vcpu v = g.vcpu(1);
        v.mmioWrite(VIOAPIC + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.REG_VER);
        dom0.vcpu(0).mmioWrite(VIOAPIC + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.REG_VER);
        v.mmioRead(VIOAPIC + IoApicRegisters.IOWIN, 4);
        dom0.vcpu(0).mmioWrite(VIOAPIC + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.REG_VER);
        final List<Long> got = new ArrayList<>();
        v.mmioReadAsync(VIOAPIC + IoApicRegisters.IOWIN, 4, got::add);
        dom0.vcpu(0).mmioWrite(VIOAPIC + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.REG_VER);
        v.mmioWriteAsync(VIOAPIC + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.REG_ID, got::add);
        final List<TraceRecord> traps = rig.records(HvEvent.MMIO_TRAP);
        final TraceRecord read = traps.get(traps.size() - 5);
        final TraceRecord asyncRead = traps.get(traps.size() - 3);
        final TraceRecord asyncWrite = traps.get(traps.size() - 1);
        for (final TraceRecord r : List.of(read, asyncRead, asyncWrite)) {
            assertEquals(g.id(), r.domain());
            assertEquals(v.pcpu(), r.cpu());
        }
        assertEquals(VIOAPIC + IoApicRegisters.IOWIN, read.a());
        assertEquals(VIOAPIC + IoApicRegisters.IOREGSEL, asyncWrite.a());
        assertEquals(2, got.size(), "both completions ran before the calls returned");
        assertEquals(0x11 | 47 << 16, got.get(0), "the version register, read at once");
        assertEquals(0L, got.get(1));
        assertEquals(IoApicRegisters.REG_ID, v.mmioRead(VIOAPIC + IoApicRegisters.IOREGSEL, 4),
            "the write reached IOREGSEL");
    }

    // xen/arch/x86/hvm/vlapic.c:vlapic_has_pending_irq@RELEASE-4.20.0 returns -1 for a vLAPIC that is not
    // enabled: a vector accepted while the guest had its LAPIC enabled stays in IRR, not injected, once the
    // guest disables it (SVR bit 8 clear), and is injected when the guest enables it again
    @Test
    void aVlapicTheGuestDisabledInjectsNothingAndKeepsIrr() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain g = rig.xen.createDomain(new DomainConfig("g", DomainType.HVM, 1, false, false, true, false));
        final Vcpu v = g.vcpu(0);
        final List<Integer> injected = new ArrayList<>();
        g.setKernel(new GuestKernel() {
            @Override
            public void interrupt(final Vcpu vcpu, final int vector) {
                injected.add(vector);
            }
        });
        final long svr = LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.SVR;
        v.mmioWrite(svr, 4, LocalApicRegisters.SVR_ENABLE | 0xFF);
        v.block();
        assertTrue(v.vlapic().accept(0x31, Rte.DM_FIXED, false));
        v.mmioWrite(svr, 4, 0xFF);
        v.unblock();
        assertEquals(0xFF, v.mmioRead(svr, 4), "disabled; the access runs the vCPU's scheduled work");
        assertEquals(List.of(), injected);
        assertTrue(v.vlapic().irr(0x31), "still requested");
        assertFalse(v.vlapic().isr(0x31));
        v.mmioWrite(svr, 4, LocalApicRegisters.SVR_ENABLE | 0xFF);
        assertEquals(List.of(0x31), injected);
        assertTrue(v.vlapic().isr(0x31));
    }

    @Test
    void pendingPirqEventsReachThePvKernelInPirqOrderFromZero() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = rig.pvDom0();
        final List<Integer> events = new ArrayList<>();
        dom0.setKernel(new GuestKernel() {
            @Override
            public void pirqEvent(final Vcpu vcpu, final int pirq) {
                events.add(pirq);
            }
        });
        dom0.sendPirqEvent(7);
        dom0.sendPirqEvent(0);
        dom0.sendPirqEvent(3);
        rig.xen.drain();
        assertEquals(List.of(0, 3, 7), events);
        dom0.sendPirqEvent(5);
        rig.xen.drain();
        assertEquals(List.of(0, 3, 7, 5), events, "a delivered event is no longer pending");
    }

    // a stalled vCPU (waiting on an ioreq, or in a handler) takes nothing until its last unblock
    @Test
    void aBlockedVcpuTakesNoEventUntilUnblocked() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = rig.pvDom0();
        final List<Integer> events = new ArrayList<>();
        dom0.setKernel(new GuestKernel() {
            @Override
            public void pirqEvent(final Vcpu vcpu, final int pirq) {
                events.add(pirq);
            }
        });
        final Vcpu v = dom0.vcpu(0);
        v.block();
        v.block();
        dom0.sendPirqEvent(4);
        rig.xen.drain();
        v.unblock();
        rig.xen.drain();
        assertEquals(List.of(), events);
        v.unblock();
        rig.xen.drain();
        assertEquals(List.of(4), events);
    }

    // the injection record names the guest and the pCPU of the vCPU taking it, even when the
    // guest's handler for the previous vector ran code of another domain
    @Test
    void eachInjectionIsStampedWithTheTakingVcpusDomainAndPcpu() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain g = rig.xen.createDomain(new DomainConfig("g", DomainType.HVM, 2, false, false, true, false));
        final Vcpu v1 = g.vcpu(1);
        Rig.onInterrupt(g, (vcpu, vector) -> {
            dom0.vcpu(0).mmioRead(VIOAPIC + IoApicRegisters.IOWIN, 4); // another domain runs meanwhile
            Rig.lapicEoi(vcpu);
        });
        Rig.enableVlapic(v1);
        // ISA IRQs 5 and 6, edge, to vCPU 1 (APIC id 2)
        Rig.writeRte(g.vcpu(0), 5, io.irqsim.hw.ioapic.Rte.of(0x45, io.irqsim.hw.ioapic.Rte.DM_FIXED, false, false,
            false, false, 2));
        Rig.writeRte(g.vcpu(0), 6, io.irqsim.hw.ioapic.Rte.of(0x46, io.irqsim.hw.ioapic.Rte.DM_FIXED, false, false,
            false, false, 2));
        g.hvmIrq().isaIrqAssert(5);
        g.hvmIrq().isaIrqAssert(6);
        rig.xen.drain();
        final List<TraceRecord> injections = rig.records(HvEvent.VCPU_INTERRUPT);
        assertEquals(2, injections.size());
        for (final TraceRecord r : injections) {
            assertEquals(g.id(), r.domain());
            assertEquals(v1.pcpu(), r.cpu());
            assertEquals(1, r.a(), "vCPU 1");
        }
        assertEquals(List.of(0x46L, 0x45L), injections.stream().map(TraceRecord::b).toList(), "higher vector first");
        assertEquals(2, v1.interruptsInjected());
    }

    @Test
    void movingALinkToTheIsaIrqItAlreadyHasChangesNothing() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        rig.pvhDom0();
        final Domain g = rig.hvmGuest("g");
        final int[] taken = {0};
        Rig.onInterrupt(g, (vcpu, vector) -> {
            taken[0]++;
            Rig.lapicEoi(vcpu);
        });
        Rig.enableVlapic(g.vcpu(0));
        // ISA IRQ 5 as an edge, active-high entry, unmasked
        Rig.writeRte(g.vcpu(0), 5, io.irqsim.hw.ioapic.Rte.of(0x35, io.irqsim.hw.ioapic.Rte.DM_FIXED, false, false,
            false, false, 0));
        final int link = HvmIrq.pciIntxLink(3, 0);
        g.hvmIrq().setPciLinkRoute(link, 5);
        g.hvmIrq().pciIntxAssert(3, 0);
        rig.xen.drain();
        assertEquals(1, taken[0], "the link's rising edge on ISA IRQ 5");
        g.hvmIrq().setPciLinkRoute(link, 5);
        rig.xen.drain();
        assertEquals(1, taken[0], "same route: no deassert/assert, no new edge");
        assertEquals(1, g.hvmIrq().gsiAssertCount(5));
    }
}
