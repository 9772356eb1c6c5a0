package io.irqsim.guest.linux;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code xen_register_pirq} (arch/x86/pci/xen.c@v6.12, read at Kingxukai/linux@9b44fff6) reuses the
 * irq {@code xen_irq_from_gsi} (drivers/xen/events/events_base.c@v6.12) finds only when it is
 * {@code > 0}: GSI 0's irq is 0 ({@code xen_allocate_irq_gsi}: below {@code nr_legacy_irqs()} the irq is
 * the GSI), so every registration of GSI 0 issues {@code PHYSDEVOP_map_pirq} again, and
 * {@code xen_bind_pirq_gsi_to_irq}, finding irq 0 for the GSI ({@code != -1}), returns it unchanged.
 * Reachable in an HVM guest with {@code XENFEAT_hvm_pirqs}, whose GSI 0 Xen maps
 * ({@code physdev_hvm_map_pirq}); a PV dom0 never gets a pirq for GSI 0 (Xen refuses IRQ 0).
 */
class XenRegisterPirqGsiZeroTest {

    private static final int GSI = 5;

    private final TestRig r = TestRig.xenOnly(DefaultPlatform.spec(), XenConfig.XEN_4_20);
    private final Domain dom0 = r.xen.createDomain(DomainConfig.dom0(DomainType.PVH, 1));
    private final Domain domu = r.xen.createDomain(DomainConfig.hvmGuest("pvhvm", 1, true));
    private final LinuxIrqTable irqs = new LinuxIrqTable(r.xen.platform().firmware().madt(), 48);
    private final XenHvmPirqBackend backend = new XenHvmPirqBackend(r.xen, domu, irqs, r.log, "domU linux", true,
        new NativeIoApicBackend(domu.vcpu(0), new IoApicDriver(domu.vcpu(0)), irqs));

    private long maps(final long mark) {
        return r.recordsSince(mark, HvEvent.HYPERCALL).stream()
            .filter(t -> t.a() == HypercallOp.PHYSDEVOP_MAP_PIRQ.code()).count();
    }

    // xen_register_pirq: "irq = xen_irq_from_gsi(gsi); if (irq > 0) return irq;" -- irq 0 fails the test
    @Test
    void aSecondRegistrationOfGsiZeroMapsThePirqAgainAndKeepsIrqZero() {
        assertEquals(0, backend.registerGsi(0, true, true));
        final int pirq = irqs.byGsi(0).pirq();
        final long mark = r.mark();
        assertEquals(0, backend.registerGsi(0, true, true), "xen_bind_pirq_gsi_to_irq returns the existing irq");
        assertEquals(1, maps(mark), "PHYSDEVOP_map_pirq again");
        assertEquals(pirq, irqs.byGsi(0).pirq(), "the irq keeps its first pirq");
        assertEquals(1, r.linesContaining("xen_bind_pirq_gsi_to_irq: returning irq 0 for gsi 0"));
    }

    // xen_register_pirq: any other GSI's irq is > 0 and is reused without a hypercall
    @Test
    void aSecondRegistrationOfAnotherGsiReusesItsIrqWithoutAHypercall() {
        assertEquals(GSI, backend.registerGsi(GSI, true, true));
        final long mark = r.mark();
        assertEquals(GSI, backend.registerGsi(GSI, true, true));
        assertEquals(0, maps(mark));
    }
}
