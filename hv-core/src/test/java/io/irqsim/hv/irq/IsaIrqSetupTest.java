package io.irqsim.hv.irq;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.wire.IrqWire;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Boot-time programming of the ISA IRQs' pins ({@code xen/arch/x86/io_apic.c:setup_IO_APIC_irqs}
 * and {@code gsi_2_irq@RELEASE-4.18.0/4.20.0}) on the default platform, whose MADT has
 * IRQ0&rarr;GSI2 and IRQ9 level/active-low: each ISA IRQ gets vector {@code FIRST_LEGACY_VECTOR}
 * + IRQ on the GSI its override names, edge/high unless the override says otherwise; a level entry
 * is written masked, an edge one unmasked (the descriptor stays {@code IRQ_DISABLED}); IRQ 0 is then
 * Xen's timer ({@code time.c:early_time_init}, {@code io_apic.c:check_timer}).
 */
class IsaIrqSetupTest {

    private final Rig rig = Rig.boot(XenConfig.XEN_4_20);
    private final IoApicRouting routing = rig.xen.ioapicRouting();

    // setup_IO_APIC_irqs: IRQ0 is on GSI 2 (override), edge, vector IRQ0_VECTOR 0xF0 (smpboot.c:smp_intr_init,
    // asm/irq-vectors.h@RELEASE-4.20.0; 0xE0 in irqsim before 2026-12-03); check_timer (io_apic.c@RELEASE-4.20.0)
    // then unmasks it (unmask_IO_APIC_irq(irq_to_desc(0)), find_isa_irq_pin(0) being the override's pin).
    // Before, irqsim left it masked like the other ISA pins.
    @Test
    void isaIrqZeroIsProgrammedOnTheGsiOfItsOverride() {
        final long e = rig.physRte(2);
        assertEquals(0xF0, Rte.vector(e));
        assertFalse(Rte.isMasked(e), "check_timer unmasks the timer's pin");
        assertFalse(Rte.isLevel(e));
        final IrqDesc irq0 = rig.xen.irqDescs().desc(0);
        assertEquals(2, irq0.pin());
        assertEquals(HandlerType.IOAPIC_EDGE, irq0.handler());
        assertEquals(0, rig.xen.irqDescs().irqForVector(0xF0));
    }

    // xen/arch/x86/time.c:early_time_init@RELEASE-4.18.0 and 4.20.0: setup_irq(0, 0, &irq0) gives IRQ 0 Xen's own
    // "timer" action and clears IRQ_DISABLED (irq.c:setup_irq); check_timer clears it again; nothing on x86 calls
    // release_irq for it. So IRQ 0 is enabled, not a guest's, and its pin is unmasked.
    @Test
    void irqZeroCarriesXensTimerActionAndIsEnabled() {
        for (final XenConfig config : new XenConfig[] {XenConfig.XEN_4_18, XenConfig.XEN_4_20}) {
            final Rig r = Rig.boot(config);
            final IrqDesc irq0 = r.xen.irqDescs().desc(0);
            assertEquals("timer", irq0.xenAction(), config.name());
            assertFalse(irq0.isDisabled());
            assertFalse(irq0.isGuest());
            assertFalse(Rte.isMasked(r.physRte(2)));
            assertEquals(null, r.xen.irqDescs().desc(4).xenAction(), "the other ISA IRQs have no Xen action");
            assertTrue(r.xen.irqDescs().desc(4).isDisabled());
        }
    }

    // setup_IO_APIC_irqs walks pins 0..23: each ISA IRQ still has the 8259A's controller, so irq_to_vector
    // (irq.c@RELEASE-4.20.0) calls its LEGACY_VECTOR no vector and assign_irq_vector hands out the next
    // dynamic one: 0x30 up by 8, 0x80 skipped, in pin order (IRQ 0 on pin 2 keeps IRQ0_VECTOR 0xF0, pin 0
    // has no ISA IRQ); CPU 0's 8259A range 0x20..0x2F is never used
    @Test
    void isaIrqsGetDynamicVectorsInPinOrder() {
        final int[] irqs = {1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        final int[] vectors = {0x30, 0x38, 0x40, 0x48, 0x50, 0x58, 0x60, 0x68, 0x70, 0x78, 0x88, 0x90, 0x98, 0xA0};
        for (int i = 0; i < irqs.length; i++) {
            assertEquals(vectors[i], Rte.vector(rig.physRte(irqs[i])), "IRQ " + irqs[i]);
            assertEquals(vectors[i], rig.xen.irqDescs().desc(irqs[i]).vector(), "IRQ " + irqs[i]);
            assertEquals(irqs[i], rig.xen.irqDescs().irqForVector(vectors[i]));
        }
        for (int v = 0x20; v <= 0x2F; v++) {
            assertEquals(-1, rig.xen.irqDescs().irqForVector(v), "8259A vector 0x" + Integer.toHexString(v));
        }
    }

    // setup_IO_APIC_irqs: the SCI's override makes IRQ 9 level, active low
    @Test
    void theSciOverrideMakesIrqNineLevelActiveLow() {
        final long e = rig.physRte(9);
        assertEquals(0x68, Rte.vector(e), "the eighth ISA pin in pin order (see isaIrqsGetDynamicVectorsInPinOrder)");
        assertTrue(Rte.isLevel(e));
        assertTrue(Rte.isActiveLow(e));
        assertTrue(Rte.isMasked(e));
        assertEquals(HandlerType.IOAPIC_LEVEL, rig.xen.irqDescs().desc(9).handler());
    }

    // setup_IO_APIC_irqs: an ISA IRQ without override is edge, active high, on the GSI of its number
    @Test
    void anIsaIrqWithoutOverrideIsEdgeActiveHighOnItsOwnGsi() {
        final long e = rig.physRte(4);
        assertEquals(0x40, Rte.vector(e));
        assertFalse(Rte.isLevel(e));
        assertFalse(Rte.isActiveLow(e));
        assertEquals(4, rig.xen.irqDescs().desc(4).pin());
    }

    // xen/arch/x86/io_apic.c:setup_IO_APIC_irqs@RELEASE-4.20.0 (same at RELEASE-4.18.0): the entry starts with
    // mask 0 and only irq_trigger(idx) != 0 (level) sets mask 1; ioapic_register_intr(irq, IOAPIC_AUTO) picks the
    // edge controller from IO_APIC_irq_trigger. The descriptor keeps IRQ_DISABLED (init_one_irq_desc): nothing
    // starts it. Before, irqsim wrote every ISA entry masked.
    @Test
    void setupIoApicIrqsWritesEdgeIsaEntriesUnmaskedAndLevelOnesMasked() {
        for (final XenConfig config : new XenConfig[] {XenConfig.XEN_4_18, XenConfig.XEN_4_20}) {
            final Rig r = Rig.boot(config);
            for (final int irq : new int[] {1, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15}) {
                final long e = r.physRte(irq);
                assertFalse(Rte.isMasked(e), config.name() + " edge ISA IRQ " + irq + " is written unmasked");
                assertFalse(Rte.isLevel(e));
                final IrqDesc d = r.xen.irqDescs().desc(irq);
                assertEquals(HandlerType.IOAPIC_EDGE, d.handler(), "IO-APIC-edge for IRQ " + irq);
                assertTrue(d.isDisabled(), "IRQ " + irq + " stays IRQ_DISABLED");
            }
            assertTrue(Rte.isMasked(r.physRte(9)), config.name() + " the SCI's level entry is written masked");
            assertTrue(r.xen.irqDescs().desc(9).isDisabled());
        }
    }

    /** One edge on an ISA line: raised, taken, released. */
    private static void isaEdge(final Rig r, final IrqWire wire, final int driver) {
        wire.drive(driver, true);
        r.xen.drain();
        wire.drive(driver, false);
        r.xen.drain();
    }

    // xen/arch/x86/irq.c:do_IRQ@RELEASE-4.20.0 (same at RELEASE-4.18.0) acks first, then sets IRQ_PENDING and,
    // IRQ_DISABLED being set, goes to "out"; io_apic.c:ack_edge_ioapic_irq masks the pin only when the descriptor
    // is already IRQ_PENDING and IRQ_DISABLED. So an ISA edge line nobody bound, left unmasked by
    // setup_IO_APIC_irqs, reaches Xen once (LAPIC EOI only) and is masked by its second interrupt.
    @Test
    void ackEdgeIoapicIrqMasksAnUnboundIsaPinAtItsSecondInterrupt() {
        final IrqWire uart = rig.xen.platform().isaWire(4);
        final int driver = uart.attachDriver("uart");
        final IrqDesc d = rig.xen.irqDescs().desc(4);
        isaEdge(rig, uart, driver);
        assertEquals(1, rig.count(HvEvent.SPURIOUS_IRQ), "the first edge reached do_IRQ");
        assertTrue(d.irqPending, "do_IRQ set IRQ_PENDING");
        assertFalse(Rte.isMasked(rig.physRte(4)), "IRQ_PENDING was not yet set at the first ack");
        assertFalse(rig.xen.guestIrqs().cpu(0).lapic().isr(d.vector()), "ack_APIC_irq");
        isaEdge(rig, uart, driver);
        assertEquals(2, rig.count(HvEvent.SPURIOUS_IRQ));
        assertTrue(Rte.isMasked(rig.physRte(4)), "IRQ_PENDING | IRQ_DISABLED at the second ack");
        assertFalse(rig.xen.guestIrqs().cpu(0).lapic().isr(d.vector()));
        isaEdge(rig, uart, driver);
        assertEquals(2, rig.count(HvEvent.SPURIOUS_IRQ), "the masked pin drops the third edge");
        assertTrue(d.isDisabled());
    }

    // io_apic.c:startup_edge_ioapic_irq@RELEASE-4.20.0: a guest binding the IRQ later unmasks the pin that
    // ack_edge_ioapic_irq masked (irq.c:pirq_guest_bind clears IRQ_DISABLED and runs startup), so the line's
    // next edge is the guest's
    @Test
    void startupEdgeIoapicIrqUnmasksAnIsaPinTheStrayEdgesMasked() {
        final IrqWire uart = rig.xen.platform().isaWire(4);
        final int driver = uart.attachDriver("uart");
        isaEdge(rig, uart, driver);
        isaEdge(rig, uart, driver);
        assertTrue(Rte.isMasked(rig.physRte(4)));
        final Domain dom0 = rig.pvDom0();
        final int[] events = {0};
        dom0.setKernel(new GuestKernel() {
            @Override
            public void pirqEvent(final Vcpu vcpu, final int pirq) {
                events[0]++;
            }
        });
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, 4, 4);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
        assertEquals(0, rig.xen.evtchn().bindPirq(dom0, map.pirq, false));
        assertFalse(Rte.isMasked(rig.physRte(4)), "startup_edge_ioapic_irq unmasked it");
        isaEdge(rig, uart, driver);
        assertEquals(1, events[0], "the bound guest took the edge");
        assertEquals(2, rig.count(HvEvent.SPURIOUS_IRQ));
    }

    // IRQ 2's GSI belongs to IRQ 0 under the override: IRQ 2 gets no pin, GSI 0's pin stays unset
    @Test
    void irqTwoHasNoPinWhenIrqZeroTookItsGsi() {
        assertEquals(-1, rig.xen.irqDescs().desc(2).pin());
        assertEquals(HandlerType.NONE, rig.xen.irqDescs().desc(2).handler());
        assertEquals(Rte.RESET, rig.physRte(0), "no ISA IRQ uses GSI 0: pin 0 keeps its reset value");
    }

    // gsi_2_irq@RELEASE-4.20.0: identity for PCI GSIs, the ISA IRQ for an overridden GSI (0 -> -EINVAL),
    // -ERANGE past the last GSI
    @Test
    void gsiToIrqFollowsTheOverridesAndTheRange() {
        assertEquals(16, routing.gsiToIrq(16));
        assertEquals(9, routing.gsiToIrq(9));
        assertEquals(-Errno.EINVAL, routing.gsiToIrq(2));
        assertEquals(-Errno.EINVAL, routing.gsiToIrq(0));
        assertEquals(23, routing.gsiToIrq(23));
        assertEquals(-Errno.ERANGE, routing.gsiToIrq(24));
        assertEquals(-Errno.ERANGE, routing.gsiToIrq(-1));
    }

    // __assign_irq_vector: dynamic vectors step by 8 from FIRST_DYNAMIC_VECTOR, skipping the ones below 0x30
    @Test
    void dynamicVectorsStepByEightAndAreKeptOnceAssigned() {
        final int a = routing.assignIrqVector(16);
        final int b = routing.assignIrqVector(17);
        assertTrue(a >= 0x30 && a <= IoApicRouting.LAST_DYNAMIC_VECTOR, Integer.toHexString(a));
        assertEquals(a + 8, b);
        assertEquals(a, routing.assignIrqVector(16), "an IRQ keeps its vector");
        assertEquals(16, rig.xen.irqDescs().irqForVector(a));
    }

    // mpparse.c:mp_override_legacy_irq@RELEASE-4.20.0 makes an IRQ 0 override marked level edge ("faulty timer
    // entries"), keeping its polarity; check_timer (io_apic.c) unmasks the pin; irq.c:do_IRQ ends each of its
    // interrupts at "out" (the edge ack's LAPIC EOI), Xen's own action included. Until 2026-12-03 irqsim
    // programmed such an IRQ 0 level
    @Test
    void aLevelIrqZeroOverrideIsMadeEdgeKeepingItsPolarityAndItsInterruptsAreEnded() {
        final Rig r = Rig.boot(Rig.defaultPlatformWith(DefaultPlatform.spec().ioapics(),
            InterruptSourceOverride.of(0, 2, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW),
            InterruptSourceOverride.of(9, 9, IrqTrigger.LEVEL, IrqPolarity.ACTIVE_LOW)), XenConfig.XEN_4_20);
        assertFalse(Rte.isLevel(r.physRte(2)), "IRQ 0 is edge whatever the override says");
        assertTrue(Rte.isActiveLow(r.physRte(2)), "the override's polarity stays");
        assertFalse(Rte.isMasked(r.physRte(2)), "check_timer unmasked it");
        assertEquals(HandlerType.IOAPIC_EDGE, r.xen.irqDescs().desc(0).handler());
        assertTrue(Rte.isLevel(r.physRte(9)), "only IRQ 0's trigger is rewritten");
        final LocalApic lapic = r.xen.platform().lapic(0);
        final int vector = r.xen.irqDescs().desc(0).vector();
        assertEquals(0xF0, vector);
        for (int i = 0; i < 2; i++) {
            assertTrue(lapic.accept(vector, Rte.DM_FIXED, false));
            r.xen.drain();
            assertFalse(lapic.isr(vector), "ended, interrupt " + i);
        }
        assertEquals(0, r.xen.guestIrqs().spuriousCount());
    }
}
