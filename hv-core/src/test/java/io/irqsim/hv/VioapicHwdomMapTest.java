package io.irqsim.hv;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.irq.HandlerType;
import io.irqsim.hv.irq.IrqDesc;
import io.irqsim.hv.passthrough.PirqDpci;
import io.irqsim.hv.policy.HwdomGsiMapPolicies;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A PVH dom0 programming its vIO-APIC through trapped MMIO, and what Xen does with it:
 * {@code vioapic_write_redirent} ({@code xen/arch/x86/hvm/vioapic.c}) calls
 * {@code vioapic_hwdom_map_gsi} for the hardware domain only on a low-dword write that unmasks a
 * masked entry; that registers the GSI ({@code mp_register_gsi}, first configuration sticks),
 * maps dom0 pirq == GSI and binds the GSI to dom0 ({@code pt_irq_create_bind}). The other two
 * policies are the thread's proposals.
 */
class VioapicHwdomMapTest {

    static final int GSI = DefaultPlatform.NIC_GSI;
    static final int OTHER_GSI = 20;

    static final long RO = Rte.REMOTE_IRR | Rte.DELIVERY_STATUS;

    /** Entries a guest may write to a masked pin: every trigger/polarity, odd modes and vectors. */
    static final long[] NONSENSE = {
        Rte.of(0x00, Rte.DM_EXTINT, true, false, false, true, 0xFF),
        Rte.of(0xFF, Rte.DM_NMI, false, true, false, true, 0x0F),
        Rte.of(0x10, Rte.DM_SMI, true, false, true, true, 0x00),
        Rte.of(0x61, Rte.DM_LOWEST_PRIORITY, true, true, true, true, 0xAA),
        Rte.of(0x31, 3, false, false, true, true, 0x01) | (0xABCDEFL << 17),
        Rte.MASKED | Rte.REMOTE_IRR | Rte.DELIVERY_STATUS | 0xFFFF_FFFF_0000_0000L,
    };

    static long[] withoutRoBits(final long[] table) {
        final long[] t = table.clone();
        for (int i = 0; i < t.length; i++) {
            t[i] &= ~RO;
        }
        return t;
    }

    static void unmaskLevelLow(final Vcpu v, final int gsi, final int vector) {
        Rig.writeRte(v, gsi, Rig.pciLevelLow(vector, true));
        Rig.writeRte(v, gsi, Rig.pciLevelLow(vector, false));
    }

    @Nested
    class OnUnmask {

        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Vcpu v = dom0.vcpu(0);

        // vioapic_write_redirent: unmasked = old mask && !new mask; a masked write never reaches
        // vioapic_hwdom_map_gsi, so nonsense in a masked RTE has no effect on the physical IO-APIC
        @Test
        void maskedNonsenseRtesLeaveThePhysicalIoApicUntouched() {
            final long[] before = rig.physTable();
            for (final long rte : NONSENSE) {
                Rig.writeRte(v, GSI, rte);
                assertEquals(rte & ~RO, Rig.readRte(v, Rig.defaultVioapicBase(), GSI) & ~RO,
                    "the vIO-APIC stores what was written (RO bits aside)");
                Rig.writeRteLow(v, OTHER_GSI, Rte.low(rte));
            }
            assertArrayEquals(before, rig.physTable());
            assertFalse(rig.xen.ioapicRouting().isPinProgrammed(GSI));
            assertFalse(rig.xen.ioapicRouting().isPinProgrammed(OTHER_GSI));
            assertEquals(0, rig.count(HvEvent.HWDOM_MAP_GSI));
            assertEquals(0, rig.count(HvEvent.GSI_REGISTER));
            assertEquals(0, dom0.pirqs().mapped().size());
            assertFalse(rig.xen.irqDescs().desc(GSI).isGuest());
        }

        // Linux's clear_IO_APIC_pin at boot: every pin written with only the mask bit set
        @Test
        void linuxBootMaskAllWriteDoesNothingPhysical() {
            final long[] before = rig.physTable();
            for (int pin = 0; pin < dom0.vioapics().get(0).pins(); pin++) {
                Rig.writeRteLow(v, pin, 0x10000);
                Rig.writeRteHigh(v, Rig.defaultVioapicBase(), pin, 0);
            }
            assertArrayEquals(before, rig.physTable());
            assertEquals(0, rig.count(HvEvent.HWDOM_MAP_GSI));
        }

        // top_word: only the destination changes, unmasked stays false
        @Test
        void topWordWritesNeverMap() {
            Rig.writeRteHigh(v, Rig.defaultVioapicBase(), GSI, 0x0300_0000);
            assertEquals(0, rig.count(HvEvent.HWDOM_MAP_GSI));
            unmaskLevelLow(v, GSI, 0x61);
            assertEquals(1, rig.count(HvEvent.HWDOM_MAP_GSI));
            final long phys = rig.physRte(GSI);
            Rig.writeRteHigh(v, Rig.defaultVioapicBase(), GSI, 0x0100_0000);
            Rig.writeRteHigh(v, Rig.defaultVioapicBase(), GSI, 0xFF00_0000);
            assertEquals(1, rig.count(HvEvent.HWDOM_MAP_GSI));
            assertEquals(phys, rig.physRte(GSI), "dom0's destination never reaches the physical RTE");
        }

        // unmasked requires the entry to have been masked: rewriting an unmasked entry never maps,
        // whatever it now says
        @Test
        void writesThatKeepThePinUnmaskedNeverMap() {
            unmaskLevelLow(v, GSI, 0x61);
            final long phys = rig.physRte(GSI);
            Rig.writeRteLow(v, GSI, Rte.low(Rte.of(0x62, Rte.DM_FIXED, false, false, false, false, 0)));
            Rig.writeRteLow(v, GSI, Rte.low(Rig.pciLevelLow(0x63, false)));
            assertEquals(1, rig.count(HvEvent.HWDOM_MAP_GSI));
            assertEquals(1, rig.count(HvEvent.GSI_REGISTER));
            assertEquals(phys & ~RO, rig.physRte(GSI) & ~RO);
            assertTrue(Rte.isLevel(rig.physRte(GSI)));
        }

        // vioapic_hwdom_map_gsi on a masked -> unmasked low-dword write: mp_register_gsi with the
        // entry's trigger/polarity, allocate_and_map_gsi_pirq(dom0, pirq = GSI), pt_irq_create_bind
        @Test
        void unmaskTransitionRegistersMapsAndBindsWithThatEntrysTriggerAndPolarity() {
            // first programmed edge/high while masked, then unmasked as level/low: the unmasking
            // write's values are the ones used
            Rig.writeRte(v, GSI, Rte.of(0x61, Rte.DM_FIXED, false, false, false, true, 0));
            Rig.writeRte(v, GSI, Rig.pciLevelLow(0x61, false));
            final long phys = rig.physRte(GSI);
            assertTrue(Rte.isLevel(phys));
            assertTrue(Rte.isActiveLow(phys));
            assertFalse(Rte.isMasked(phys), "pirq_guest_bind started the IRQ");
            assertTrue(rig.xen.ioapicRouting().isPinProgrammed(GSI));
            assertEquals(GSI, dom0.pirqs().pirqToIrq(GSI), "identity pirq for the hardware domain");
            assertEquals(GSI, dom0.pirqs().irqToPirq(GSI));
            final IrqDesc desc = rig.xen.irqDescs().desc(GSI);
            assertTrue(desc.isGuest());
            assertSame(dom0, desc.guest(0));
            assertTrue(desc.isShareable(), "a level GSI of the hardware domain is shareable");
            assertEquals(HandlerType.IOAPIC_LEVEL, desc.handler());
            final PirqDpci pd = dom0.pirqs().get(GSI).dpci();
            assertTrue(pd.has(PirqDpci.IDENTITY_GSI));
            assertFalse(pd.has(PirqDpci.NO_EOI));
            final TraceRecord map = rig.records(HvEvent.HWDOM_MAP_GSI).get(0);
            assertEquals(GSI, map.a());
            assertEquals(3, map.b(), "level << 1 | active-low");
            assertEquals(0, map.c());
            assertEquals(dom0.id(), map.domain());
        }

        // the same for an edge/high entry: not shareable, no guest EOI expected (NO_EOI)
        @Test
        void edgeHighUnmaskRegistersEdgeHighWithoutEoi() {
            Rig.writeRte(v, OTHER_GSI, Rte.of(0x71, Rte.DM_FIXED, false, false, false, true, 0));
            Rig.writeRte(v, OTHER_GSI, Rte.of(0x71, Rte.DM_FIXED, false, false, false, false, 0));
            final long phys = rig.physRte(OTHER_GSI);
            assertFalse(Rte.isLevel(phys));
            assertFalse(Rte.isActiveLow(phys));
            assertFalse(Rte.isMasked(phys));
            final IrqDesc desc = rig.xen.irqDescs().desc(OTHER_GSI);
            assertEquals(HandlerType.IOAPIC_EDGE, desc.handler());
            assertFalse(desc.isShareable());
            assertTrue(dom0.pirqs().get(OTHER_GSI).dpci().has(PirqDpci.NO_EOI));
        }

        // mp_register_gsi -> -EEXIST -> vioapic_hwdom_map_gsi returns 0 with nothing done: a second
        // unmask (even with other trigger/polarity) is a harmless no-op
        @Test
        void secondUnmaskIsAHarmlessNoOp() {
            unmaskLevelLow(v, GSI, 0x61);
            final long phys = rig.physRte(GSI);
            Rig.writeRte(v, GSI, Rte.of(0x61, Rte.DM_FIXED, false, false, false, true, 0));
            Rig.writeRte(v, GSI, Rte.of(0x61, Rte.DM_FIXED, false, false, false, false, 0));
            final List<TraceRecord> maps = rig.records(HvEvent.HWDOM_MAP_GSI);
            assertEquals(2, maps.size());
            assertEquals(0, maps.get(1).c(), "-EEXIST is success for vioapic_hwdom_map_gsi");
            final List<TraceRecord> regs = rig.records(HvEvent.GSI_REGISTER);
            assertEquals(-Errno.EEXIST, regs.get(regs.size() - 1).c());
            assertEquals(phys & ~RO, rig.physRte(GSI) & ~RO);
            assertEquals(1, rig.xen.irqDescs().desc(GSI).nrGuests());
            assertEquals(1, dom0.pirqs().mapped().size());
        }

        // spec 1.3 (b): a GSI first registered through PHYSDEVOP_setup_gsi is never bound to a PVH
        // dom0 by a later unmask; the physical pin stays masked and dom0 has no pirq for it
        @Test
        void gsiRegisteredBySetupGsiIsNotBoundToDom0ByALaterUnmask() {
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
            final long phys = rig.physRte(GSI);
            unmaskLevelLow(v, GSI, 0x61);
            final TraceRecord map = rig.records(HvEvent.HWDOM_MAP_GSI).get(0);
            assertEquals(0, map.c());
            assertEquals(0, dom0.pirqs().pirqToIrq(GSI));
            assertFalse(rig.xen.irqDescs().desc(GSI).isGuest());
            assertEquals(phys, rig.physRte(GSI));
            assertTrue(Rte.isMasked(rig.physRte(GSI)));
            assertEquals(-Errno.EPERM, rig.xen.domctl().irqPermission(dom0, domu.id(), GSI, true),
                "irq_permission still has no dom0 pirq to go by");
        }
    }

    @Nested
    class OnAnyWrite {

        final Rig rig = Rig.boot(XenConfig.XEN_4_20.withHwdomGsiMap(HwdomGsiMapPolicies.ON_ANY_WRITE));
        final Domain dom0 = rig.pvhDom0();
        final Vcpu v = dom0.vcpu(0);

        // Roger: mp_register_gsi sets trigger/polarity only once, so mapping on a masked write
        // registers whatever the entry says then. Linux's boot-time mask-all (low dword 0x10000)
        // makes that edge/active-high and binds the GSI to dom0; the correct level/low
        // programming that follows cannot change the physical RTE.
        @Test
        void bootMaskAllWriteRegistersEdgeHighAndTheFirstConfigurationSticks() {
            Rig.writeRteLow(v, GSI, 0x10000);
            final long phys = rig.physRte(GSI);
            assertTrue(rig.xen.ioapicRouting().isPinProgrammed(GSI));
            assertFalse(Rte.isLevel(phys));
            assertFalse(Rte.isActiveLow(phys));
            assertEquals(GSI, dom0.pirqs().pirqToIrq(GSI));
            assertSame(dom0, rig.xen.irqDescs().desc(GSI).guest(0), "bound to dom0 though no driver uses it");
            assertFalse(Rte.isMasked(phys), "and unmasked physically while dom0's pin is masked");

            unmaskLevelLow(v, GSI, 0x61);
            assertEquals(phys & ~RO, rig.physRte(GSI) & ~RO);
            assertFalse(Rte.isLevel(rig.physRte(GSI)));
            assertFalse(Rte.isActiveLow(rig.physRte(GSI)));
            final List<TraceRecord> regs = rig.records(HvEvent.GSI_REGISTER);
            assertEquals(0, regs.get(0).c());
            for (int i = 1; i < regs.size(); i++) {
                assertEquals(-Errno.EEXIST, regs.get(i).c(), "registration " + i);
            }
            assertTrue(regs.size() >= 4, "every dword write tried again");
        }

        // a top-word write maps too under this proposal
        @Test
        void topWordWriteMaps() {
            Rig.writeRteHigh(v, Rig.defaultVioapicBase(), OTHER_GSI, 0);
            assertEquals(1, rig.count(HvEvent.HWDOM_MAP_GSI));
            assertTrue(rig.xen.ioapicRouting().isPinProgrammed(OTHER_GSI));
        }
    }

    @Nested
    class PirqEarly {

        final Rig rig = Rig.boot(XenConfig.XEN_4_20.withHwdomGsiMap(HwdomGsiMapPolicies.PIRQ_EARLY));
        final Domain dom0 = rig.pvhDom0();
        final Vcpu v = dom0.vcpu(0);

        // Stefano's second idea: allocate_and_map_gsi_pirq on any write. irq_permission passes,
        // but (Roger) the physical pin is not configured until dom0 unmasks it
        @Test
        void maskedWriteMapsThePirqButLeavesThePinUnprogrammedUntilUnmask() {
            final Domain domu = rig.hvmGuest("domU");
            final long[] before = rig.physTable();
            Rig.writeRte(v, GSI, Rig.pciLevelLow(0x61, true));
            assertEquals(GSI, dom0.pirqs().pirqToIrq(GSI));
            assertEquals(0, rig.xen.domctl().irqPermission(dom0, domu.id(), GSI, true));
            assertTrue(domu.irqCaps().permitted(GSI));
            assertFalse(rig.xen.ioapicRouting().isPinProgrammed(GSI));
            assertArrayEquals(before, rig.physTable());
            assertEquals(HandlerType.NONE, rig.xen.irqDescs().desc(GSI).handler());
            assertFalse(rig.xen.irqDescs().desc(GSI).isGuest());

            Rig.writeRteLow(v, GSI, Rte.low(Rig.pciLevelLow(0x61, false)));
            assertTrue(rig.xen.ioapicRouting().isPinProgrammed(GSI));
            assertTrue(Rte.isLevel(rig.physRte(GSI)));
            assertTrue(Rte.isActiveLow(rig.physRte(GSI)));
            assertFalse(Rte.isMasked(rig.physRte(GSI)));
            assertSame(dom0, rig.xen.irqDescs().desc(GSI).guest(0));
            assertNotEquals(before[GSI], rig.physRte(GSI));
        }
    }
}
