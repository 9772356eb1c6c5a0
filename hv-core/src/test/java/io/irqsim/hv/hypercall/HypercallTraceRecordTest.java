package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.passthrough.BindPtIrq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.apic.ApicBus;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.IntSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a hypercall leaves in the trace (docs/trace.md, "Argument codes" and "The binary format"):
 * one {@code hypercall} record with the op, its main argument (packed as the doc's table says for
 * the {@code dm_op}s) and the result, and every record Xen makes while it runs the call stamped
 * with the caller's context: the CPU its vCPU 0 runs on and, for records about the caller, its
 * domain id. Expected values are written out from the doc.
 */
class HypercallTraceRecordTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    /** The last {@code hypercall} record. */
    static TraceRecord lastHypercall(final Rig rig) {
        final List<TraceRecord> calls = rig.records(HvEvent.HYPERCALL);
        assertTrue(!calls.isEmpty(), "no hypercall record");
        return calls.get(calls.size() - 1);
    }

    // docs/trace.md: b of set_pci_intx_level = device << 8 | intx << 1 | (level & 1)
    @Test
    void setPciIntxLevelRecordPacksDeviceIntxAndLevel() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(0, rig.xen.dmop().setPciIntxLevel(dom0, domu.id(), 0, 0, 3, 2, 1));
        assertEquals(new TraceRecord(0, HvEvent.HYPERCALL, 0, 0, 32, 0x305, 0), lastHypercall(rig));
        assertEquals(0, rig.xen.dmop().setPciIntxLevel(dom0, domu.id(), 0, 0, 31, 3, 0));
        assertEquals(0x1F06, lastHypercall(rig).b());
        // refused (level 2): the arguments are packed as given, level & 1 = 0
        assertEquals(-Errno.EINVAL, rig.xen.dmop().setPciIntxLevel(dom0, domu.id(), 0, 0, 4, 1, 2));
        assertEquals(0x402, lastHypercall(rig).b());
        assertEquals(-Errno.EINVAL, lastHypercall(rig).c());
    }

    // docs/trace.md: b of set_isa_irq_level = isa_irq << 1 | (level & 1)
    @Test
    void setIsaIrqLevelRecordPacksIrqAndLevel() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(0, rig.xen.dmop().setIsaIrqLevel(dom0, domu.id(), 5, 1));
        assertEquals(new TraceRecord(0, HvEvent.HYPERCALL, 0, 0, 33, 11, 0), lastHypercall(rig));
        assertEquals(0, rig.xen.dmop().setIsaIrqLevel(dom0, domu.id(), 12, 0));
        assertEquals(24, lastHypercall(rig).b());
        assertEquals(-Errno.EINVAL, rig.xen.dmop().setIsaIrqLevel(dom0, domu.id(), 12, 3));
        assertEquals(25, lastHypercall(rig).b());
    }

    // docs/trace.md: b of set_pci_link_route = link << 8 | isa_irq; of inject_msi, the address
    @Test
    void setPciLinkRouteAndInjectMsiRecordsCarryTheirArguments() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(0, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), 2, 10));
        assertEquals(new TraceRecord(0, HvEvent.HYPERCALL, 0, 0, 34, 0x20A, 0), lastHypercall(rig));
        assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), 0xFEE0_1000L, 0x45));
        assertEquals(new TraceRecord(0, HvEvent.HYPERCALL, 0, 0, 35, 0xFEE0_1000L, 0), lastHypercall(rig));
    }

    /**
     * Runs a hypercall from a moment when Xen's context is its own (no CPU, {@code DOMID_XEN}),
     * and checks that the call made records besides its {@code hypercall} record and that all of
     * them carry the caller's CPU; the {@code hypercall} record also carries the caller's domain.
     */
    static void recordsMadeDuringTheCallCarryTheCallersContext(final Rig rig, final Domain caller,
                                                               final HypercallOp op, final IntSupplier call) {
        rig.trace.setContext(-1, TraceFormat.DOMID_XEN);
        final int before = rig.records().size();
        assertEquals(0, call.getAsInt(), op.label());
        final List<TraceRecord> during = rig.records().subList(before, rig.records().size());
        assertTrue(during.size() >= 2, op.label() + " made no record besides its hypercall record: " + during);
        for (final TraceRecord r : during) {
            assertEquals(caller.vcpu(0).pcpu(), r.cpu(), op.label() + ": " + r);
        }
        final TraceRecord call0 = during.stream().filter(r -> r.event() == HvEvent.HYPERCALL).findFirst().orElseThrow();
        assertEquals(op.code(), call0.a());
        assertEquals(caller.id(), call0.domain());
        final TraceRecord inner = during.get(0);
        assertTrue(inner.event() != HvEvent.HYPERCALL, op.label() + ": the first record is the call's own work");
    }

    // docs/trace.md: "CPU and domain are the context the hypervisor had set when the record was
    // made: the physical CPU it was running on and the domain on whose behalf it acted"
    @Test
    void dmOpWorkIsStampedWithTheDeviceModelsContext() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        Rig.enableVlapic(domu.vcpu(0));
        recordsMadeDuringTheCallCarryTheCallersContext(rig, dom0, HypercallOp.DMOP_SET_PCI_INTX_LEVEL,
            () -> rig.xen.dmop().setPciIntxLevel(dom0, domu.id(), 0, 0, 3, 0, 1));
        recordsMadeDuringTheCallCarryTheCallersContext(rig, dom0, HypercallOp.DMOP_SET_ISA_IRQ_LEVEL,
            () -> rig.xen.dmop().setIsaIrqLevel(dom0, domu.id(), 5, 1));
        // device 3 INTA sits on link (3 + 0) & 3 = 3, asserted above: routing it asserts ISA IRQ 10
        assertEquals(3, HvmIrq.pciIntxLink(3, 0));
        recordsMadeDuringTheCallCarryTheCallersContext(rig, dom0, HypercallOp.DMOP_SET_PCI_LINK_ROUTE,
            () -> rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), 3, 10));
        recordsMadeDuringTheCallCarryTheCallersContext(rig, dom0, HypercallOp.DMOP_INJECT_MSI,
            () -> rig.xen.dmop().injectMsi(dom0, domu.id(), ApicBus.MSI_ADDRESS_BASE, 0x45));
    }

    // the same for the domctls that change IRQ rights and bindings
    @Test
    void domctlWorkIsStampedWithTheToolstacksContext() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(domu.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
        recordsMadeDuringTheCallCarryTheCallersContext(rig, dom0, HypercallOp.DOMCTL_GSI_PERMISSION,
            () -> rig.xen.domctl().gsiPermission(dom0, domu.id(), GSI, DomctlOps.GSI_GRANT));
        assertEquals(0, rig.xen.domctl().assignDevice(dom0, domu.id(), DefaultPlatform.NIC));
        recordsMadeDuringTheCallCarryTheCallersContext(rig, dom0, HypercallOp.DOMCTL_BIND_PT_IRQ,
            () -> rig.xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(map.pirq, 0, 5, 0)));
        recordsMadeDuringTheCallCarryTheCallersContext(rig, dom0, HypercallOp.DOMCTL_UNBIND_PT_IRQ,
            () -> rig.xen.domctl().unbindPtIrq(dom0, domu.id(), new BindPtIrq(map.pirq, 0, 5, 0)));
    }

    // the physdev ops of a PV dom0: setup_gsi (mp_register_gsi), map_pirq (map_domain_pirq),
    // eoi of an interrupt in flight (pirq_guest_eoi), unmap_pirq (unmap_domain_pirq)
    @Test
    void physdevWorkIsStampedWithTheKernelsContext() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = rig.pvDom0();
        recordsMadeDuringTheCallCarryTheCallersContext(rig, dom0, HypercallOp.PHYSDEVOP_SETUP_GSI,
            () -> rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
        recordsMadeDuringTheCallCarryTheCallersContext(rig, dom0, HypercallOp.PHYSDEVOP_MAP_PIRQ,
            () -> rig.xen.physdev().mapPirq(dom0,
                new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI)));
        assertEquals(0, rig.xen.evtchn().bindPirq(dom0, GSI, true));
        rig.device(DefaultPlatform.NIC).setInterruptRequest(true);
        rig.xen.drain();
        assertEquals(1, rig.xen.irqDescs().desc(GSI).inFlight(), "dom0 owes the EOI");
        recordsMadeDuringTheCallCarryTheCallersContext(rig, dom0, HypercallOp.PHYSDEVOP_EOI,
            () -> rig.xen.physdev().eoi(dom0, GSI));
        assertEquals(0, rig.xen.evtchn().unbindPirq(dom0, GSI));
        recordsMadeDuringTheCallCarryTheCallersContext(rig, dom0, HypercallOp.PHYSDEVOP_UNMAP_PIRQ,
            () -> rig.xen.physdev().unmapPirq(dom0, Domain.DOMID_SELF, GSI));
    }

    // EVTCHNOP_bind_pirq / close make no hypercall record, but what they cause (the permission
    // check, pirq_guest_bind, the pin shut down when the last guest leaves) is the caller's
    @Test
    void eventChannelWorkIsStampedWithTheCallersContext() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = rig.pvDom0();
        assertEquals(0, rig.xen.physdev().mapPirq(dom0,
            new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI)));
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
        for (final IntSupplier call : List.<IntSupplier>of(() -> rig.xen.evtchn().bindPirq(dom0, GSI, true),
                () -> rig.xen.evtchn().unbindPirq(dom0, GSI))) {
            rig.trace.setContext(-1, TraceFormat.DOMID_XEN);
            final int before = rig.records().size();
            assertEquals(0, call.getAsInt());
            final List<TraceRecord> during = rig.records().subList(before, rig.records().size());
            assertTrue(!during.isEmpty(), "the call made records");
            for (final TraceRecord r : during) {
                assertEquals(0, r.cpu(), r.toString());
                assertEquals(dom0.id(), r.domain(), r.toString());
            }
        }
    }

    // XEN_DOMCTL_irq_permission names a pirq of the caller's: a PV dom0 with its own GSI pirq
    @Test
    void irqPermissionWorkIsStampedWithTheCallersContext() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = rig.pvDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(0, rig.xen.physdev().mapPirq(dom0,
            new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI)));
        recordsMadeDuringTheCallCarryTheCallersContext(rig, dom0, HypercallOp.DOMCTL_IRQ_PERMISSION,
            () -> rig.xen.domctl().irqPermission(dom0, domu.id(), GSI, true));
        assertTrue(domu.irqCaps().permitted(GSI));
    }
}
