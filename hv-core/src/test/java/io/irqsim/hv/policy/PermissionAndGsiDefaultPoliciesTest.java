package io.irqsim.hv.policy;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.Rig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The irq_permission resolutions ({@code XEN_DOMCTL_irq_permission}, {@code xen/common/domctl.c:do_domctl}
 * @RELEASE-4.18.0 / RELEASE-4.20.0, which calls {@code pirq_access_permitted(current->domain, pirq)})
 * and the unconfigured-GSI defaults (Xen: none, {@code pirq_guest_bind} in {@code xen/arch/x86/irq.c}
 * looks at no trigger), driven through fakes so each boundary is visible.
 */
class PermissionAndGsiDefaultPoliciesTest {

    /** A PirqAccess answering from fixed tables: the caller has pirq 40 -> IRQ 40, and holds IRQs 1..47. */
    static final class Access implements IrqPermissionPolicy.PirqAccess {
        final List<Integer> irqChecks = new ArrayList<>();

        @Override
        public int pirqAccessPermitted(final Domain d, final int pirq) {
            return pirq == 40 ? 40 : 0;
        }

        @Override
        public boolean irqAccessPermitted(final Domain d, final int irq) {
            irqChecks.add(irq);
            return irq >= 1 && irq < 48;
        }

        @Override
        public int nrIrqsGsi() {
            return 48;
        }
    }

    /** A registrar with 48 GSIs, GSI 20 already configured, recording mp_register_gsi calls. */
    static final class Registrar implements UnconfiguredGsiPolicy.GsiRegistrar {
        final List<String> calls = new ArrayList<>();

        @Override
        public int nrIrqsGsi() {
            return 48;
        }

        @Override
        public boolean isConfigured(final int irq) {
            return irq == 20;
        }

        @Override
        public int registerGsi(final int gsi, final boolean level, final boolean activeLow) {
            calls.add(gsi + (level ? " level" : " edge") + (activeLow ? " low" : " high"));
            return 0;
        }
    }

    private final Rig rig = Rig.boot(XenConfig.XEN_4_20);
    private final Domain hwdom = rig.pvhDom0();
    private final Domain guest = rig.xen.createDomain(DomainConfig.hvmGuest("g", 1));

    // do_domctl(XEN_DOMCTL_irq_permission): irq = pirq_access_permitted(current->domain, pirq); 0 -> -EPERM
    @Test
    void xensResolutionIsPirqAccessPermittedAlone() {
        final Access a = new Access();
        assertEquals(40, IrqPermissionPolicy.PIRQ.irqFor(a, hwdom, 40));
        assertEquals(0, IrqPermissionPolicy.PIRQ.irqFor(a, hwdom, 30), "no mapping: no fallback in Xen");
        assertTrue(a.irqChecks.isEmpty(), "Xen never looks at the IRQ rangeset without a pirq mapping");
    }

    // the thread's proposed fix: a hardware domain's unmapped GSI pirq p is checked as IRQ p, for 0 < p < nr_irqs_gsi
    @Test
    void hwdomFallbackCoversExactlyTheGsiPirqsAboveZero() {
        final Access a = new Access();
        final IrqPermissionPolicy p = IrqPermissionPolicy.HWDOM_GSI_FALLBACK;
        assertEquals(40, p.irqFor(a, hwdom, 40), "a mapped pirq is answered by pirq_access_permitted");
        assertEquals(30, p.irqFor(a, hwdom, 30));
        assertEquals(1, p.irqFor(a, hwdom, 1), "the lowest GSI pirq");
        assertEquals(47, p.irqFor(a, hwdom, 47), "the highest GSI pirq");
        assertEquals(0, p.irqFor(a, hwdom, 0), "pirq 0 is never a GSI pirq");
        assertEquals(0, p.irqFor(a, hwdom, 48), "nr_irqs_gsi and above are MSI pirqs");
        assertEquals(0, p.irqFor(a, guest, 30), "only the hardware domain has identity GSI pirqs");
        assertEquals(List.of(30, 1, 47), a.irqChecks);
    }

    // Xen (NONE) configures nothing at bind time; LEVEL_LOW registers only unconfigured GSIs in [16, nr_irqs_gsi)
    @Test
    void levelLowRegistersOnlyUnconfiguredPciGsisLevelActiveLow() {
        final Registrar r = new Registrar();
        for (final int irq : new int[] {0, 15, 16, 20, 47, 48, 100}) {
            UnconfiguredGsiPolicy.NONE.beforeBind(r, irq);
        }
        assertTrue(r.calls.isEmpty(), "Xen programs no default trigger");
        for (final int irq : new int[] {0, 15, 16, 20, 47, 48, 100}) {
            UnconfiguredGsiPolicy.LEVEL_LOW.beforeBind(r, irq);
        }
        assertEquals(List.of("16 level low", "47 level low"), r.calls);
    }

    // variation points are named in output; Xen's own choice says so
    @Test
    void policiesNameThemselvesAndXensChoiceSaysXen() {
        assertTrue(IrqPermissionPolicy.PIRQ.describe().contains("Xen"));
        assertFalse(IrqPermissionPolicy.HWDOM_GSI_FALLBACK.describe().isEmpty());
        assertNotEquals(IrqPermissionPolicy.PIRQ.describe(), IrqPermissionPolicy.HWDOM_GSI_FALLBACK.describe());
        assertTrue(UnconfiguredGsiPolicy.NONE.describe().contains("Xen"));
        assertFalse(UnconfiguredGsiPolicy.LEVEL_LOW.describe().isEmpty());
        assertNotEquals(UnconfiguredGsiPolicy.NONE.describe(), UnconfiguredGsiPolicy.LEVEL_LOW.describe());
    }

    // each with* copy changes its own variation point and keeps the rest of the design
    @Test
    void configCopiesChangeOneVariationPointEach() {
        final XenConfig base = XenConfig.XEN_4_20;
        assertEquals("x", base.named("x").name());
        assertEquals(base.gsiPermission(), base.named("x").gsiPermission());
        assertEquals(HwdomGsiMapPolicies.PIRQ_EARLY, base.withHwdomGsiMap(HwdomGsiMapPolicies.PIRQ_EARLY).hwdomGsiMap());
        assertEquals(UnconfiguredGsiPolicy.LEVEL_LOW, base.withUnconfiguredGsi(UnconfiguredGsiPolicy.LEVEL_LOW).unconfiguredGsi());
        assertEquals(PvhPhysdevAccess.XEN_4_18, base.withPvhPhysdev(PvhPhysdevAccess.XEN_4_18).pvhPhysdev());
        assertEquals(IrqPermissionPolicy.HWDOM_GSI_FALLBACK,
            base.withIrqPermission(IrqPermissionPolicy.HWDOM_GSI_FALLBACK).irqPermission());
        final XenConfig noGsiPerm = base.withGsiPermission(false);
        assertFalse(noGsiPerm.gsiPermission());
        assertTrue(noGsiPerm.allocatePirqReturnsExisting(), "4.20's allocate_pirq kept");
        assertEquals(base.name(), noGsiPerm.name());
        // 4.18 predates gsi_permission and commit 0d2b87b5ad; 4.20 has both
        assertFalse(XenConfig.XEN_4_18.gsiPermission());
        assertFalse(XenConfig.XEN_4_18.allocatePirqReturnsExisting());
        assertTrue(XenConfig.XEN_4_20.gsiPermission());
    }
}
