package io.irqsim.hv.domain;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link DomainConfig} refuses impossible domains with a message naming the domain and the field. */
class DomainConfigTest {

    // domain_create: max_vcpus must be at least 1 (irqsim caps it at 64)
    @Test
    void vcpuCountOutside1To64IsRefused() {
        for (final int vcpus : new int[] {0, -1, 65}) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DomainConfig("guestX", DomainType.HVM, vcpus, false, false, true, false));
            assertTrue(e.getMessage().contains("guestX") && e.getMessage().contains(vcpus + " vCPUs"), e.getMessage());
        }
        assertEquals(64, new DomainConfig("big", DomainType.HVM, 64, false, false, true, false).vcpus());
        assertEquals(1, new DomainConfig("small", DomainType.HVM, 1, false, false, true, false).vcpus());
    }

    // the hardware domain is PV or PVH (Xen has no HVM dom0)
    @Test
    void hvmHardwareDomainIsRefused() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new DomainConfig("dom0", DomainType.HVM, 1, true, true, true, false));
        assertTrue(e.getMessage().contains("PV or PVH"), e.getMessage());
    }

    // a PVH dom0 never has X86_EMU_USE_PIRQ; a PV one always uses pirqs
    @Test
    void factoriesGiveTheThreadsDomains() {
        final DomainConfig pvh = DomainConfig.dom0(DomainType.PVH, 4);
        assertTrue(pvh.hardwareDomain() && pvh.privileged() && pvh.passthrough());
        assertFalse(pvh.pirqNotion(), "a PVH dom0 has no pirq notion");
        assertTrue(DomainConfig.dom0(DomainType.PV, 1).pirqNotion());
        final DomainConfig domu = DomainConfig.hvmGuest("domU", 2);
        assertFalse(domu.hardwareDomain() || domu.privileged() || domu.pirqNotion());
        assertTrue(domu.passthrough());
        assertEquals(DomainType.HVM, domu.type());
    }
}
