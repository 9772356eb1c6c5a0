package io.irqsim.hv;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How Xen picks a new domain's id when the toolstack leaves it to Xen
 * ({@code XEN_DOMCTL_createdomain}, xen/common/domctl.c:do_domctl@RELEASE-4.20.0): from the last id
 * handed out ({@code rover}) upwards, wrapping from {@code DOMID_FIRST_RESERVED} (0x7FF0) back to 1,
 * skipping ids in use.
 */
class DomidAllocationTest {

    static DomainConfig pvGuest() {
        return new DomainConfig("pv", DomainType.PV, 1, false, false, false, false);
    }

    // "if ( dom == DOMID_FIRST_RESERVED ) dom = 1; if ( is_free_domid(dom) ) break;"
    @Test
    void idsWrapFromTheLastBelowDomidFirstReservedToOneSkippingLiveDomains() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        rig.trace.setEnabled(false);
        final Domain keeper = rig.xen.createDomain(pvGuest());
        assertEquals(1, keeper.id());
        for (int expected = 2; expected <= 0x7FEF; expected++) {
            final Domain d = rig.xen.createDomain(pvGuest());
            if (d.id() != expected) {
                assertEquals(expected, d.id(), "ids count up to DOMID_FIRST_RESERVED - 1");
            }
            rig.xen.destroyDomain(d);
        }
        final Domain wrapped = rig.xen.createDomain(pvGuest());
        assertEquals(2, wrapped.id(), "0x7FF0 is DOMID_FIRST_RESERVED: back to 1, which is live, so 2");
        assertEquals(3, rig.xen.createDomain(pvGuest()).id());
    }

    // domain_create for a domU: nr_pirqs = nr_irqs_gsi + extra_domU_irqs (32); its vIO-APIC has 48 GSIs;
    // a PV domain has no emulated GSIs
    @Test
    void aDomUsPirqSpaceIsTheGsisPlusThirtyTwo() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final int gsis = rig.xen.platform().gsiCount();
        assertEquals(24, gsis);
        assertEquals(24 + 32, rig.hvmGuest("hvm").pirqs().nrPirqs());
        assertEquals(48, rig.hvmGuest("hvm2").hvmIrq().nrGsis());
        assertEquals(24 + 32, rig.xen.createDomain(pvGuest()).pirqs().nrPirqs());
    }
}
