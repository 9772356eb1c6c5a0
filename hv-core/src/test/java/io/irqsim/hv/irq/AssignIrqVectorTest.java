package io.irqsim.hv.irq;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code _assign_irq_vector} ({@code xen/arch/x86/irq.c@RELEASE-4.18.0}, same search at
 * {@code RELEASE-4.20.0}) on CPU 0: from the last vector handed out, step by 8; past the last
 * dynamic vector restart at the first plus the next offset (mod 8); skip the legacy PIC vectors
 * (below 0x30 on CPU 0), {@code LEGACY_SYSCALL_VECTOR} 0x80 ({@code used_vectors}, CONFIG_PV) and
 * vectors in use; back at the start, {@code -ENOSPC}. The dynamic range ends at
 * {@code LAST_DYNAMIC_VECTOR} 0xEF.
 */
class AssignIrqVectorTest {

    /**
     * The default platform plus a 120-pin IO-APIC at GSI 24 and a 24-pin one at GSI 144: 168 GSIs,
     * 232 IRQs, more non-legacy IRQs than the 191 vectors CPU 0 can hand out.
     */
    private static PlatformSpec bigPlatform() {
        final PlatformSpec d = DefaultPlatform.spec();
        final List<PlatformSpec.IoApicSpec> ioapics = new ArrayList<>(d.ioapics());
        ioapics.add(new PlatformSpec.IoApicSpec(3, 0xFEC2_0000L, 24, 120, IoApicRegisters.VERSION_20));
        ioapics.add(new PlatformSpec.IoApicSpec(4, 0xFEC3_0000L, 144, 24, IoApicRegisters.VERSION_20));
        return new PlatformSpec(ioapics, d.cpus(), d.pci(), d.intxWiring(), d.isaWiring(), d.firmware(),
            d.directedEoi());
    }

    // _assign_irq_vector: vector += 8 from the last one found; boot gave the ISA IRQs 0x30..0xA0 (0x80 is in
    // used_vectors), so the search goes on at 0xA8; past LAST_DYNAMIC_VECTOR 0xEF, FIRST_DYNAMIC_VECTOR + 1,
    // whose 0x21 and 0x29 are CPU 0's 8259A range
    @Test
    void vectorsStepByEightAfterTheIsaIrqsThenTheNextOffset() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final IoApicRouting routing = rig.xen.ioapicRouting();
        final int[] expected = {0xA8, 0xB0, 0xB8, 0xC0, 0xC8, 0xD0, 0xD8, 0xE0, 0xE8, 0x31, 0x39, 0x41};
        for (int i = 0; i < expected.length; i++) {
            final int irq = 16 + i;
            assertEquals(expected[i], routing.assignIrqVector(irq), "irq " + irq);
            assertEquals(expected[i], rig.xen.irqDescs().desc(irq).vector());
            assertEquals(irq, rig.xen.irqDescs().irqForVector(expected[i]));
        }
        assertEquals(-1, rig.xen.irqDescs().irqForVector(0x80), "the fast-trap vector is never handed out");
        assertEquals(0xA8, routing.assignIrqVector(16), "an IRQ with a vector keeps it");
        assertEquals(0x49, routing.assignIrqVector(16 + expected.length), "the search went on from 0x41");
    }

    // _assign_irq_vector: every usable vector is handed out once; then -ENOSPC, and an IRQ that holds a
    // vector still gets it
    @Test
    void everyUsableVectorIsHandedOutOnceThenEnospc() {
        final Rig rig = Rig.boot(bigPlatform(), XenConfig.XEN_4_20);
        final IoApicRouting routing = rig.xen.ioapicRouting();
        final IrqDescTable descs = rig.xen.irqDescs();
        final TreeSet<Integer> usable = new TreeSet<>();
        for (int v = 0x30; v <= 0xEF; v++) {
            if (v != 0x80) {
                usable.add(v);
            }
        }
        for (final int isa : new int[] {0x30, 0x38, 0x40, 0x48, 0x50, 0x58, 0x60, 0x68, 0x70, 0x78, 0x88, 0x90, 0x98, 0xA0}) {
            usable.remove(isa); // the ISA IRQs' since boot
        }
        assertEquals(177, usable.size());
        final TreeSet<Integer> got = new TreeSet<>();
        int irq = descs.nrIrqs() - 1;
        int last = -1;
        for (int i = 0; i < usable.size(); i++, irq--) {
            last = routing.assignIrqVector(irq);
            assertTrue(got.add(last), "vector 0x" + Integer.toHexString(last) + " handed out twice");
        }
        assertEquals(usable, got);
        assertEquals(0xEF, last, "the last one found is the top of offset 7");
        assertEquals(-Errno.ENOSPC, routing.assignIrqVector(irq));
        assertEquals(-1, descs.desc(irq).vector());
        assertEquals(-Errno.ENOSPC, routing.assignIrqVector(irq - 1));
        assertEquals(0xEF, routing.assignIrqVector(irq + 1), "the IRQ that got 0xEF keeps it");
    }

    // mp_register_gsi sets pin_programmed before io_apic_set_pci_routing's assign_irq_vector fails: the
    // -ENOSPC GSI's entry is not written, no controller is set, and asking again gives -EEXIST
    @Test
    void aGsiRegisteredWhenNoVectorIsLeftGetsEnospcAndIsThenPinProgrammed() {
        final Rig rig = Rig.boot(bigPlatform(), XenConfig.XEN_4_20);
        final IoApicRouting routing = rig.xen.ioapicRouting();
        final IrqDescTable descs = rig.xen.irqDescs();
        int irq = descs.nrIrqs() - 1;
        while (routing.assignIrqVector(irq) >= 0) {
            irq--;
        }
        assertTrue(irq > 20);
        final long before = rig.physRte(20);
        assertEquals(-Errno.ENOSPC, routing.mpRegisterGsi(20, true, true));
        assertEquals(before, rig.physRte(20));
        assertTrue(Rte.isMasked(rig.physRte(20)));
        assertEquals(HandlerType.NONE, descs.desc(20).handler());
        assertTrue(routing.isPinProgrammed(20));
        final List<TraceRecord> r = rig.records(HvEvent.GSI_REGISTER);
        assertEquals(-Errno.ENOSPC, r.get(r.size() - 1).c());
        assertEquals(-Errno.EEXIST, routing.mpRegisterGsi(20, true, true));
        assertFalse(routing.isConfigured(20));
    }
}
