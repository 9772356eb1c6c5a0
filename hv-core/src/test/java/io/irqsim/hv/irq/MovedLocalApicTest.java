package io.irqsim.hv.irq;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Xen's accesses to the physical local APIC go through {@code FIX_APIC_BASE}, which
 * {@code mp_register_lapic_address} ({@code xen/arch/x86/mpparse.c@RELEASE-4.20.0}) maps at the MADT's
 * local APIC address: on a machine whose firmware moved the LAPIC, boot's SVR writes and the EOI of
 * {@code ack_APIC_irq} reach it there.
 */
class MovedLocalApicTest {

    private static final long MOVED = 0xFEF0_0000L;

    private static PlatformSpec movedLapic() {
        final PlatformSpec d = DefaultPlatform.spec();
        return new PlatformSpec(d.ioapics(), d.cpus(), d.pci(), d.intxWiring(), d.isaWiring(), d.firmware(),
            d.directedEoi(), MOVED);
    }

    // apic.c setup_local_APIC via FIX_APIC_BASE (mapped by mpparse.c:mp_register_lapic_address): every LAPIC is
    // software-enabled by boot although nothing is at 0xFEE00000
    @Test
    void bootEnablesEveryLapicAtTheMovedAddress() {
        final Rig rig = Rig.boot(movedLapic(), XenConfig.XEN_4_20);
        assertEquals(MOVED, rig.xen.platform().lapicAddress());
        for (int cpu = 0; cpu < rig.xen.platform().cpuCount(); cpu++) {
            assertTrue(rig.xen.platform().lapic(cpu).isSoftwareEnabled(), "cpu" + cpu);
            assertNull(rig.xen.platform().bus(cpu).deviceAt(LocalApicRegisters.DEFAULT_BASE), "nothing at the default page");
        }
    }

    // xen/arch/x86/include/asm/apic.h:ack_APIC_irq@RELEASE-4.20.0 is apic_write(APIC_EOI, 0): the CPU's
    // own register, wherever its page is, and nothing on the system bus (no MMIO dispatch)
    @Test
    void lapicEoiRetiresTheVectorOnTheCpusOwnLapicWithoutABusAccess() {
        final Rig rig = Rig.boot(movedLapic(), XenConfig.XEN_4_20);
        final LocalApic lapic = rig.xen.platform().lapic(0);
        assertTrue(lapic.accept(0x61, 0, false));
        assertEquals(0x61, lapic.acknowledge());
        assertTrue(lapic.isr(0x61));
        // CPU 0's bus now decodes its LAPIC page to a device that only counts: an EOI that went
        // through the bus would land there and leave the vector in service
        final MmioBus bus = rig.xen.platform().bus(0);
        assertSame(lapic, bus.unmap(MOVED));
        final int[] accesses = new int[1];
        bus.map(MOVED, LocalApicRegisters.PAGE_SIZE, new MmioDevice() {
            @Override
            public long read(final long offset, final int size) {
                accesses[0]++;
                return 0;
            }

            @Override
            public void write(final long offset, final int size, final long value) {
                accesses[0]++;
            }

            @Override
            public String name() {
                return "bus-probe";
            }
        });
        rig.xen.ioapicRouting().lapicEoi(0);
        assertFalse(lapic.isr(0x61));
        assertEquals(0, accesses[0], "the EOI never reached CPU 0's bus");
    }
}
