package io.irqsim.hv.irq;

import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guest list of an IRQ's action ({@code irq_guest_action_t.guest[]}, {@code xen/arch/x86/irq.c}
 * {@code pirq_guest_bind} / {@code __pirq_guest_unbind} @RELEASE-4.18.0, same at RELEASE-4.20.0):
 * unbinding one guest closes the gap so the others keep their order.
 */
class IrqDescGuestListTest {

    private static final int GSI = DefaultPlatform.NIC_GSI;

    // __pirq_guest_unbind: the leaving domain is removed and the later entries move down one slot
    @Test
    void unbindingTheFirstOfThreeSharersKeepsTheOthersInOrder() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvDom0();
        final Domain a = rig.xen.createDomain(new DomainConfig("a", DomainType.PV, 1, false, false, false, true));
        final Domain b = rig.xen.createDomain(new DomainConfig("b", DomainType.PV, 1, false, false, false, true));
        assertEquals(0, rig.xen.ioapicRouting().mpRegisterGsi(GSI, true, true));
        final IrqDesc d = rig.xen.irqDescs().desc(GSI);
        final Domain[] doms = {dom0, a, b};
        final Pirq[] pirqs = new Pirq[3];
        for (int i = 0; i < 3; i++) {
            doms[i].pirqs().link(GSI, GSI);
            pirqs[i] = doms[i].pirqs().get(GSI);
            assertEquals(0, rig.xen.guestIrqs().pirqGuestBind(doms[i], pirqs[i], true));
        }
        assertEquals(3, d.nrGuests());
        assertTrue(d.isBound(b));
        rig.xen.guestIrqs().pirqGuestUnbind(dom0, pirqs[0]);
        assertEquals(2, d.nrGuests());
        assertSame(a, d.guest(0));
        assertSame(b, d.guest(1));
        assertNull(d.guest(2), "the freed slot is cleared");
        assertFalse(d.isBound(dom0));
        assertTrue(d.isBound(b), "the last guest is still found");
        assertTrue(d.isGuest());
        rig.xen.guestIrqs().pirqGuestUnbind(b, pirqs[2]);
        rig.xen.guestIrqs().pirqGuestUnbind(a, pirqs[1]);
        assertEquals(0, d.nrGuests());
        assertFalse(d.isGuest(), "the last unbind ends the action");
        assertTrue(d.isDisabled(), "and shuts the IRQ down (IRQ_DISABLED)");
    }

    // the state dump line of a descriptor names its vector, pin and guests
    @Test
    void aDescriptorDescribesItsVectorPinAndGuests() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        assertEquals(0, rig.xen.ioapicRouting().mpRegisterGsi(GSI, true, true));
        final IrqDesc d = rig.xen.irqDescs().desc(GSI);
        final String s = d.toString();
        assertTrue(s.startsWith("irq " + GSI + ": "), s);
        assertTrue(s.contains(String.format("vector 0x%02x", d.vector())), s);
        assertTrue(s.contains("pin 0/" + GSI), s);
        assertTrue(s.contains(" disabled"), s);
        assertFalse(s.contains(" guest "), s);
        final String unset = rig.xen.irqDescs().desc(rig.xen.irqDescs().nrIrqsGsi()).toString();
        assertTrue(unset.contains("vector - pin -"), unset);
    }
}
