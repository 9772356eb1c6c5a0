package io.irqsim.hv.debug;

import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.passthrough.BindPtIrq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The state dump of docs/state.md on a machine small enough to write its whole dump by hand: one
 * IO-APIC (id 1, 4 pins, GSI 16-19) and one CPU (APIC id 0), two NICs at 00:03.0 and 00:04.0 whose
 * INTA share GSI 16; GSIs 17-19 are unused PCI inputs, pulled up. The expected text follows the doc's sections and
 * columns (Xen's {@code __print_IO_APIC} and {@code dump_irqs}, xen/arch/x86/io_apic.c and
 * xen/arch/x86/irq.c at RELEASE-4.20.0; QEMU's {@code info lapic}) and what the machine must be in,
 * not the dump's own output.
 */
class StateDumpTest {

    static final Bdf NIC = new Bdf(0, 3, 0);
    /** A second device whose INTA shares GSI 16. */
    static final Bdf NIC2 = new Bdf(0, 4, 0);
    static final int GSI = 16;
    /** The first vector {@code assign_irq_vector} hands out: 0x20 + 8 is below 0x30, so 0x30. */
    static final int PHYS_VECTOR = 0x30;

    static PlatformSpec smallMachine() {
        return new PlatformSpec(
            List.of(new PlatformSpec.IoApicSpec(1, IoApicRegisters.DEFAULT_BASE, 16, 4, IoApicRegisters.VERSION_20)),
            List.of(new PlatformSpec.CpuSpec(0)),
            List.of(new PlatformSpec.PciDeviceSpec("host", new Bdf(0, 0, 0), 0x8086, 0x1237, 0x060000, 0, -1),
                new PlatformSpec.PciDeviceSpec("nic", NIC, 0x8086, 0x100e, 0x020000, 1, -1),
                new PlatformSpec.PciDeviceSpec("nic2", NIC2, 0x8086, 0x100e, 0x020000, 1, -1)),
            List.of(new PlatformSpec.IntxRoute(3, 1, GSI), new PlatformSpec.IntxRoute(4, 1, GSI)),
            List.of(),
            new PlatformSpec.FirmwareSpec(List.of(),
                Map.of(0, List.of(PrtEntry.toGsi(3, 0, GSI), PrtEntry.toGsi(4, 0, GSI))), List.of(), GSI, true),
            true);
    }

    /** Xen 4.20 on the small machine, a PVH dom0 (1 vCPU) and an HVM guest with the NIC passed through as 00:05 INTA. */
    static final class Machine {
        final Rig rig = Rig.boot(smallMachine(), XenConfig.XEN_4_20);
        final Domain dom0 = rig.xen.createDomain(DomainConfig.dom0(DomainType.PVH, 1));
        final Domain guest = rig.xen.createDomain(DomainConfig.hvmGuest("guest", 1));
        final PciFunction nic = rig.device(NIC);
        final int pirq = rig.passThrough(dom0, guest, NIC, GSI, 5);
        Vcpu took;

        Machine() {
            // a guest that took the interrupt and has not yet run its handler: no device ack, no EOI
            guest.setKernel(new GuestKernel() {
                @Override
                public void interrupt(final Vcpu vcpu, final int vector) {
                    took = vcpu;
                }
            });
        }

        String dump() {
            return StateDump.of(rig.xen);
        }
    }

    // dump_irqs: a guest-bound IRQ shows in-flight=1 and the pirq masked until the guest EOIs (the
    // HVM guest has no event channel for it: pirq->evtchn is port 0, never pending, always masked);
    // __print_IO_APIC: the level pin holds Remote IRR; the guest's vIO-APIC entry and vLAPIC ISR
    // hold the vector; the hvm_pirq_dpci counts one pending guest EOI
    @Test
    void dumpOfAnInterruptTheGuestHasNotEoidShowsEveryLevelHoldingIt() {
        final Machine m = new Machine();
        assertEquals(16, m.pirq, "get_free_pirq: the lowest free GSI pirq from 16");
        m.nic.setInterruptRequest(true);
        m.rig.xen.drain();
        assertEquals(String.join("\n",
            "state at virtual time 0 ns",
            "",
            "physical IO-APIC 0 (APIC id 1, GSI 16-19, 4 pins)",
            " NR Dst Msk Trg IRR Pol Stat DstM DelM Vec",
            " 00  00   0   1   1   1    0    0    0    30  GSI 16, line asserted",
            " 01  00   1   0   0   0    0    0    0    00  GSI 17, line asserted",
            " 02  00   1   0   0   0    0    0    0    00  GSI 18, line asserted",
            " 03  00   1   0   0   0    0    0    0    00  GSI 19, line asserted",
            "",
            "physical LAPIC of pCPU 0: TPR 0x00 PPR 0x00, software-enabled",
            "  IRR (none)",
            "  ISR (none)",
            "  TMR 0x30",
            "",
            "Xen IRQ descriptors (xl debug-keys i):",
            "   IRQ:  16 vec:30 IO-APIC-level   pin 0:0 status=guest in-flight=1 ack=UNMASK d1: 16(-MM)",
            "",
            "d0 (dom0, PVH), hardware domain:",
            "  d0 vIO-APIC 0 (emulated by Xen) (APIC id 1, GSI 16-19, 4 pins, 4 masked and never programmed not shown)",
            "   NR Dst Msk Trg IRR Pol Stat DstM DelM Vec",
            "",
            "  d0 vCPU 0 vLAPIC (emulated by Xen): TPR 0x00 PPR 0x00, software-disabled",
            "    IRR (none)",
            "    ISR (none)",
            "    TMR (none)",
            "",
            "  d0 pirq table: (empty)",
            "",
            "d1 (guest, HVM):",
            "  d1 vIO-APIC 0 (emulated by Xen) (APIC id 0, GSI 0-47, 48 pins, 47 masked and never programmed not shown)",
            "   NR Dst Msk Trg IRR Pol Stat DstM DelM Vec",
            "   24  00   0   1   1   1    0    0    0    51  GSI 36, line asserted",
            "",
            "  d1 vCPU 0 vLAPIC (emulated by Xen): TPR 0x00 PPR 0x50, software-enabled",
            "    IRR (none)",
            "    ISR 0x51",
            "    TMR 0x51",
            "",
            "  d1 pirq table:",
            "    pirq 16 -> irq 16 masked dpci flags 0x15 pending 1",
            "  d1 passthrough bindings (hvm_irq_dpci):",
            "    guest GSI 36 <- 00:05 INTA <- pirq 16 (irq 16)",
            "",
            ""), m.dump());
    }

    // after the device ack and the guest's EOI: hvm_dpci_eoi deasserts the INTx, hvm_pirq_eoi ->
    // pirq_guest_eoi completes the physical IRQ (the IO-APIC EOI clears Remote IRR), nothing in flight
    @Test
    void dumpAfterTheGuestEoiShowsNothingInFlight() {
        final Machine m = new Machine();
        m.nic.setInterruptRequest(true);
        m.rig.xen.drain();
        m.nic.setInterruptRequest(false);
        Rig.lapicEoi(m.took);
        final String dump = m.dump();
        assertContainsLines(dump,
            " 00  00   0   1   0   1    0    0    0    30  GSI 16",
            "   IRQ:  16 vec:30 IO-APIC-level   pin 0:0 status=guest in-flight=0 ack=UNMASK d1: 16(-M-)",
            "   24  00   0   1   0   1    0    0    0    51  GSI 36",
            "  d1 vCPU 0 vLAPIC (emulated by Xen): TPR 0x00 PPR 0x00, software-enabled",
            "    ISR (none)",
            "    TMR 0x51",
            "    pirq 16 -> irq 16 dpci flags 0x15 pending 0");
    }

    // mp_register_gsi without a guest binding: the descriptor has its handler and vector but is
    // still IRQ_DISABLED and has no guest action; its pin stays masked
    @Test
    void aRegisteredButUnboundGsiIsDisabledAndMappedUnbound() {
        final Rig rig = Rig.boot(smallMachine(), XenConfig.XEN_4_20);
        final Domain dom0 = rig.xen.createDomain(DomainConfig.dom0(DomainType.PVH, 1));
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 0, 0));
        assertContainsLines(StateDump.of(rig.xen),
            " 00  00   1   0   0   0    0    0    0    30  GSI 16, line asserted",
            "   IRQ:  16 vec:30 IO-APIC-edge    pin 0:0 status=disabled mapped, unbound");
    }

    // a PV domain has no emulated IO-APIC or LAPIC: its section is the pirq table alone, with the
    // event channel bound by EVTCHNOP_bind_pirq; dump_irqs lists it as the IRQ's guest (nothing
    // pending; the channel's mask bit is clear: Xen never sets it and no guest wrote it here)
    @Test
    void aPvDom0SectionIsItsPirqTableWithTheEventChannel() {
        final Rig rig = Rig.boot(smallMachine(), XenConfig.XEN_4_18);
        final Domain dom0 = rig.xen.createDomain(DomainConfig.dom0(DomainType.PV, 1));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
        assertEquals(0, rig.xen.evtchn().bindPirq(dom0, GSI, true));
        final String dump = StateDump.of(rig.xen);
        assertContainsLines(dump,
            "   IRQ:  16 vec:30 IO-APIC-level   pin 0:0 status=guest in-flight=0 ack=UNMASK d0: 16(---)",
            "d0 (dom0, PV), hardware domain:",
            "  d0 pirq table:",
            "    pirq 16 -> irq 16 evtchn-bound [0/0]");
        assertTrue(dump.endsWith("d0 (dom0, PV), hardware domain:\n  d0 pirq table:\n    pirq 16 -> irq 16 evtchn-bound [0/0]\n\n"),
            "nothing but the pirq table for a PV domain:\n" + dump);
    }

    // XENFEAT_hvm_pirqs: an HVM guest's PHYSDEVOP_map_pirq of its own GSI with no device passed
    // through behind it (physdev_map_pirq -> map_domain_emuirq_pirq@RELEASE-4.18.0) stores the GSI
    // as the pirq's emuirq and no Xen irq; an emulated device's INTx (a device model's, a vfio-user
    // device's) reaches the guest on it once EVTCHNOP_bind_pirq bound it: the pirq table lists it,
    // with the channel's [pending/masked] as xl debug-keys e prints them (dump_irqs never lists it)
    @Test
    void anHvmGuestsPirqForAnEmulatedGsiIsListedWithItsGsi() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        rig.pvhDom0();
        final Domain domu = rig.xen.createDomain(DomainConfig.hvmGuest("pvhvm", 1, true));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, 40, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(domu, map));
        assertEquals(16, map.pirq);
        assertContainsLines(StateDump.of(rig.xen), "  d1 pirq table:", "    pirq 16 -> emulated GSI 40");
        assertEquals(0, rig.xen.evtchn().bindPirq(domu, 16, true));
        assertContainsLines(StateDump.of(rig.xen), "  d1 pirq table:", "    pirq 16 -> emulated GSI 40 evtchn-bound [0/0]");
    }

    // pt_irq_destroy_bind of the only binding: the pirq stays mapped (no dpci flags any more), the
    // hvm_irq_dpci table exists but is empty; pirq_guest_unbind leaves the IRQ disabled, its pin masked
    @Test
    void anUnboundPassthroughPirqStaysMappedWithNoBindings() {
        final Machine m = new Machine();
        assertEquals(0, m.rig.xen.domctl().unbindPtIrq(m.dom0, m.guest.id(), new BindPtIrq(m.pirq, 0, 5, 0)));
        final String dump = m.dump();
        assertContainsLines(dump,
            " 00  00   1   1   0   1    0    0    0    30  GSI 16",
            "   IRQ:  16 vec:30 IO-APIC-level   pin 0:0 status=disabled mapped, unbound",
            "  d1 pirq table:",
            "    pirq 16 -> irq 16",
            "  d1 passthrough bindings (hvm_irq_dpci):",
            "    (none)");
    }

    // __print_IO_APIC's DstM column is the destination mode (1 logical); hvm_irq_dpci lists every
    // girq of the pirq, by guest GSI, with its INTx letter
    @Test
    void aLogicalEntryAndASecondIntxOfThePirqShowAsSuch() {
        final Machine m = new Machine();
        Rig.writeRte(m.guest.vcpu(0), 40, io.irqsim.hw.ioapic.Rte.of(0x6A, io.irqsim.hw.ioapic.Rte.DM_FIXED, true,
            false, false, true, 0x01));
        assertEquals(0, m.rig.xen.domctl().bindPtIrq(m.dom0, m.guest.id(), new BindPtIrq(m.pirq, 0, 6, 1)));
        assertContainsLines(m.dump(),
            "   28  01   1   0   0   0    0    1    0    6A  GSI 40",
            "  d1 passthrough bindings (hvm_irq_dpci):",
            "    guest GSI 36 <- 00:05 INTA <- pirq 16 (irq 16)",
            "    guest GSI 41 <- 00:06 INTB <- pirq 16 (irq 16)");
    }

    // dump_irqs lists every domain bound to a shared IRQ, comma-separated, each with its own pirq
    @Test
    void aSharedIrqListsEveryBoundGuestWithItsPirq() {
        final Machine m = new Machine();
        final Domain second = m.rig.xen.createDomain(DomainConfig.hvmGuest("second", 1));
        assertEquals(16, m.rig.passThrough(m.dom0, second, NIC2, GSI, 7));
        assertContainsLines(m.dump(),
            "   IRQ:  16 vec:30 IO-APIC-level   pin 0:0 status=guest in-flight=0 ack=UNMASK d1: 16(-M-),d2: 16(-M-)",
            "d2 (second, HVM):",
            "    guest GSI 44 <- 00:07 INTA <- pirq 16 (irq 16)");
    }

    // __print_IO_APIC prints the vector in upper-case hex, dump_irqs in lower case; the ISA IRQs
    // setup_IO_APIC_irqs (xen/arch/x86/io_apic.c@RELEASE-4.20.0) programmed at boot (dynamic vectors from
    // 0x30 in pin order, IRQ 0's 0xF0; edge/high unmasked, the SCI's level/low entry masked) are shown, the never-programmed pins
    // without an asserted input are counted in the header
    @Test
    void bootProgrammedIsaPinsShowTheirLegacyVectors() {
        final Rig rig = Rig.boot(DefaultPlatform.spec(), XenConfig.XEN_4_20);
        final String dump = StateDump.of(rig.xen);
        assertContainsLines(dump,
            " 01  00   0   0   0   0    0    0    0    30  GSI 1",
            " 09  00   1   1   0   1    0    0    0    68  GSI 9",
            " 0f  00   0   0   0   0    0    0    0    A0  GSI 15",
            "physical LAPIC of pCPU 1: TPR 0x00 PPR 0x00, software-enabled");
        assertTrue(dump.contains("physical IO-APIC 0 (APIC id 2, GSI 0-23, 24 pins, "),
            "the default machine's IO-APIC header:\n" + dump);
    }

    // dump_irqs (xen/arch/x86/irq.c@RELEASE-4.20.0): IRQ 0 has Xen's own action (time.c:early_time_init,
    // setup_irq(0, 0, &irq0)), neither guest nor disabled, so its line ends with the action's handler,
    // timer_interrupt(); check_timer left its pin (GSI 2 under the IRQ0 override) unmasked
    @Test
    void irqZeroIsListedWithXensTimerHandler() {
        final Rig rig = Rig.boot(DefaultPlatform.spec(), XenConfig.XEN_4_20);
        assertContainsLines(StateDump.of(rig.xen),
            " 02  00   0   0   0   0    0    0    0    F0  GSI 2",
            "   IRQ:   0 vec:f0 IO-APIC-edge    pin 0:2 status=- timer_interrupt()");
    }

    // dump_irqs (xen/arch/x86/irq.c@RELEASE-4.20.0) with send_guest_pirq: a PV dom0's level pirq
    // fired while its vCPU could not take the event: the bound channel's pending bit is P and the
    // pirq is masked (in flight) until PHYSDEVOP_eoi; the guest taking the event clears P first
    @Test
    void aPvDom0PirqWhoseEventIsNotTakenShowsPendingUntilTheGuestRuns() {
        final Rig rig = Rig.boot(smallMachine(), XenConfig.XEN_4_18);
        final Domain dom0 = rig.xen.createDomain(DomainConfig.dom0(DomainType.PV, 1));
        final int[] taken = {0};
        dom0.setKernel(new GuestKernel() {
            @Override
            public void pirqEvent(final Vcpu vcpu, final int pirq) {
                taken[0]++;
            }
        });
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
        assertEquals(0, rig.xen.evtchn().bindPirq(dom0, GSI, true));
        dom0.vcpu(0).block();
        rig.device(NIC).setInterruptRequest(true);
        rig.xen.drain();
        assertEquals(0, taken[0], "the blocked vCPU has not taken the event");
        // the pirq table shows the channel as xl debug-keys e (domain_dump_evtchn_info) does: [pending/masked]
        assertContainsLines(StateDump.of(rig.xen),
            "   IRQ:  16 vec:30 IO-APIC-level   pin 0:0 status=guest in-flight=1 ack=UNMASK d0: 16(P-M)",
            "    pirq 16 -> irq 16 masked evtchn-bound [1/0]");
        dom0.vcpu(0).unblock();
        rig.xen.drain();
        assertEquals(1, taken[0], "the event reached the guest once");
        assertContainsLines(StateDump.of(rig.xen),
            "   IRQ:  16 vec:30 IO-APIC-level   pin 0:0 status=guest in-flight=1 ack=UNMASK d0: 16(--M)",
            "    pirq 16 -> irq 16 masked evtchn-bound [0/0]");
        rig.device(NIC).setInterruptRequest(false);
        assertEquals(0, rig.xen.physdev().eoi(dom0, GSI));
        assertContainsLines(StateDump.of(rig.xen),
            "   IRQ:  16 vec:30 IO-APIC-level   pin 0:0 status=guest in-flight=0 ack=UNMASK d0: 16(---)");
    }

    // dump_irqs reads the channel pirq->evtchn names; an HVM guest's passthrough pirq has none until
    // the guest (XENFEAT_hvm_pirqs) binds one: port 0 is reserved, so evtchn_is_pending is false and
    // evtchn_is_masked true (evtchn_usable, xen/include/xen/event.h@RELEASE-4.20.0): "-M". Bound, the
    // event hvm_dirq_assist sends is pending while the vCPU cannot take it; EVTCHNOP_close drops the
    // pirq's channel ("-M" again) and evtchn_free clears its pending bit, so a channel bound anew
    // starts with nothing pending
    @Test
    void anHvmPirqWithoutAChannelShowsPortZeroAndClosingItsChannelDropsThePendingEvent() {
        final Rig rig = Rig.boot(smallMachine(), XenConfig.XEN_4_20);
        final Domain dom0 = rig.xen.createDomain(DomainConfig.dom0(DomainType.PVH, 1));
        final Domain guest = rig.xen.createDomain(DomainConfig.hvmGuest("pvhvm", 1, true));
        final int pirq = rig.passThrough(dom0, guest, NIC, GSI, 5);
        assertEquals(16, pirq);
        final String irq16 = "   IRQ:  16 vec:30 IO-APIC-level   pin 0:0 status=guest ";
        assertContainsLines(StateDump.of(rig.xen), irq16 + "in-flight=0 ack=UNMASK d1: 16(-M-)");
        assertEquals(0, rig.xen.evtchn().bindPirq(guest, pirq, true));
        assertContainsLines(StateDump.of(rig.xen), irq16 + "in-flight=0 ack=UNMASK d1: 16(---)");
        guest.vcpu(0).block();
        rig.device(NIC).setInterruptRequest(true);
        rig.xen.drain();
        assertTrue(guest.isPirqEventPending(pirq), "hvm_dirq_assist sent the pirq event");
        assertContainsLines(StateDump.of(rig.xen), irq16 + "in-flight=1 ack=UNMASK d1: 16(P-M)");
        assertEquals(0, rig.xen.evtchn().unbindPirq(guest, pirq));
        assertFalse(guest.isPirqEventPending(pirq), "evtchn_free cleared the pending bit");
        assertContainsLines(StateDump.of(rig.xen), irq16 + "in-flight=1 ack=UNMASK d1: 16(-MM)");
        assertEquals(0, rig.xen.evtchn().bindPirq(guest, pirq, true));
        assertContainsLines(StateDump.of(rig.xen), irq16 + "in-flight=1 ack=UNMASK d1: 16(--M)");
    }

    static void assertContainsLines(final String dump, final String... lines) {
        final List<String> have = List.of(dump.split("\n", -1));
        for (final String l : lines) {
            assertTrue(have.contains(l), "no line '" + l + "' in:\n" + dump);
        }
    }
}
