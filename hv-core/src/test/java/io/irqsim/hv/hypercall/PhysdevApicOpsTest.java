package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The physdev sub-ops Xen checks with {@code xsm_apic}: {@code PHYSDEVOP_apic_read} and the dummy
 * {@code PHYSDEVOP_alloc_irq_vector} ({@code xen/arch/x86/physdev.c:do_physdev_op},
 * {@code xen/arch/x86/io_apic.c:ioapic_guest_read}, {@code hvm/hypercall.c:hvm_physdev_op},
 * {@code xsm/dummy.h:xsm_apic}, all @RELEASE-4.20.0): what a PV dom0's {@code xen_io_apic_read}
 * asks. The default platform has one IO-APIC at 0xFEC00000, version 0x20, 24 pins.
 */
class PhysdevApicOpsTest {

    private final Rig rig = Rig.boot(XenConfig.XEN_4_20);

    private int read(final Domain caller, final long base, final int reg, final int[] value) {
        final PhysdevOps.ApicAccess a = new PhysdevOps.ApicAccess(base, reg);
        a.value = 0x5A5A_5A5A;
        final int rc = rig.xen.physdev().apicRead(caller, a);
        value[0] = a.value;
        return rc;
    }

    @Test
    void thePrivilegedPvDom0ReadsTheIoApicsRegistersThroughIoregselAndIowin() {
        final Domain dom0 = rig.pvDom0();
        final int[] v = new int[1];
        assertEquals(0, read(dom0, IoApicRegisters.DEFAULT_BASE, IoApicRegisters.REG_VER, v));
        assertEquals(0x0017_0020, v[0], "IOAPICVER: 24 entries, version 0x20");
        // a redirection entry's low dword: what Xen programmed for the timer (IRQ0 -> GSI 2) is read back
        final long rte2 = rig.xen.platform().ioapics().get(0).rte(2);
        assertEquals(0, read(dom0, IoApicRegisters.DEFAULT_BASE, IoApicRegisters.redtblLow(2), v));
        assertEquals(Rte.low(rte2), v[0]);
        final List<TraceRecord> calls = rig.records(HvEvent.HYPERCALL);
        final TraceRecord last = calls.get(calls.size() - 1);
        assertEquals(HypercallOp.PHYSDEVOP_APIC_READ.code(), last.a());
        assertEquals(IoApicRegisters.redtblLow(2), last.b());
        assertEquals(0, last.c());
    }

    @Test
    void anAddressWithNoIoApicIsEinvalAndLeavesTheValue() {
        final int[] v = new int[1];
        assertEquals(-Errno.EINVAL, read(rig.pvDom0(), 0xFEC0_1000L, IoApicRegisters.REG_VER, v));
        assertEquals(0x5A5A_5A5A, v[0]);
    }

    @Test
    void anHvmTypeCallerIsFilteredWithEnosys() {
        final int[] v = new int[1];
        assertEquals(-Errno.ENOSYS, read(rig.pvhDom0(), IoApicRegisters.DEFAULT_BASE, IoApicRegisters.REG_VER, v));
        assertEquals(0x5A5A_5A5A, v[0]);
    }

    @Test
    void anUnprivilegedPvCallerIsEperm() {
        final Domain pvGuest = rig.xen.createDomain(
            new DomainConfig("pv", DomainType.PV, 1, false, false, false, true));
        final int[] v = new int[1];
        assertEquals(-Errno.EPERM, read(pvGuest, IoApicRegisters.DEFAULT_BASE, IoApicRegisters.REG_VER, v));
        assertEquals(0x5A5A_5A5A, v[0]);
    }

    @Test
    void aRegisterThatReadsZeroIsReturnedAsZero() {
        // pin 23's high dword (destination 0) is 0: the value is written back even when it is 0
        final int[] v = new int[1];
        assertEquals(0, read(rig.pvDom0(), IoApicRegisters.DEFAULT_BASE, IoApicRegisters.redtblHigh(23), v));
        assertEquals(Rte.high(rig.xen.platform().ioapics().get(0).rte(23)), v[0]);
        assertEquals(0, v[0]);
    }

    // PHYSDEVOP_alloc_irq_vector: a dummy with the same checks (physdev.c@RELEASE-4.20.0)
    @Test
    void allocIrqVectorIsADummyForTheControlDomainOnly() {
        assertEquals(0, rig.xen.physdev().allocIrqVector(rig.pvDom0(), 20));
        final List<TraceRecord> calls = rig.records(HvEvent.HYPERCALL);
        assertEquals(HypercallOp.PHYSDEVOP_ALLOC_IRQ_VECTOR.code(), calls.get(calls.size() - 1).a());
        assertEquals(20, calls.get(calls.size() - 1).b());
        assertEquals(-Errno.ENOSYS, rig.xen.physdev().allocIrqVector(rig.hvmGuest("hvm"), 20));
        final Domain pvGuest = rig.xen.createDomain(
            new DomainConfig("pv", DomainType.PV, 1, false, false, false, true));
        assertEquals(-Errno.EPERM, rig.xen.physdev().allocIrqVector(pvGuest, 20));
    }
}
