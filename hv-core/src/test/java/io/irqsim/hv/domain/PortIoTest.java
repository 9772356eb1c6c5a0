package io.irqsim.hv.domain;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A guest's {@code in}/{@code out} as Xen handles them ({@code xen/arch/x86/hvm/io.c:handle_pio},
 * {@code emulate.c:hvmemul_do_io}@RELEASE-4.20.0): a claimed range's device gets the access at its
 * offset, traced; a port nobody claimed goes to {@code null_handler} (reads all ones, writes
 * dropped), and so does an access a claimed range does not cover whole ({@code hvm_find_io_handler});
 * sizes are 1, 2 or 4 ({@code handle_pio}'s assertion).
 */
class PortIoTest {

    private static Domain guest(final Rig rig) {
        return GuestMmioViewTest.twoVcpuGuest(rig);
    }

    @Test
    void aClaimedRangeGetsTheAccessAtItsOffsetFromEveryVcpuTraced() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain g = guest(rig);
        final GuestMmioViewTest.Regs dev = new GuestMmioViewTest.Regs();
        g.ports().map(0xc000, 16, dev);
        final int traps = rig.count(HvEvent.PIO_TRAP);
        g.vcpu(0).portWrite(0xc004, 2, 0x1BEEF);
        assertEquals(0xBEEF, g.vcpu(1).portRead(0xc004, 2));
        assertEquals(List.of("w4/2=48879", "r4/2"), dev.log, "the value is cut to the access size");
        assertEquals(traps + 2, rig.count(HvEvent.PIO_TRAP));
    }

    @Test
    void anUnclaimedPortReadsAllOnesAndAStraddlingAccessIsUnclaimed() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain g = guest(rig);
        final GuestMmioViewTest.Regs dev = new GuestMmioViewTest.Regs();
        g.ports().map(0xc000, 4, dev);
        assertEquals(0xFFFF_FFFFL, g.vcpu(0).portRead(0x80, 4));
        assertEquals(0xFF, g.vcpu(0).portRead(0xc004, 1));
        assertEquals(0xFFFF_FFFFL, g.vcpu(0).portRead(0xc002, 4), "covers 0xc002..0xc005, past the range");
        g.vcpu(0).portWrite(0xc003, 2, 0);
        assertEquals(List.of(), dev.log);
        assertEquals(4, g.ports().unclaimedAccesses());
    }

    @Test
    void overlappingClaimsAndOtherSizesAreRefused() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain g = guest(rig);
        g.ports().map(0xc000, 16, new GuestMmioViewTest.Regs());
        assertThrows(IllegalArgumentException.class, () -> g.ports().map(0xc00c, 8, new GuestMmioViewTest.Regs()));
        assertThrows(IllegalArgumentException.class, () -> g.ports().map(0xfff8, 16, new GuestMmioViewTest.Regs()));
        assertThrows(IllegalArgumentException.class, () -> g.vcpu(0).portRead(0xc000, 3));
        assertThrows(IllegalArgumentException.class, () -> g.vcpu(0).portWrite(0xc000, 8, 0));
        g.ports().unmap(0xc000);
        g.ports().map(0xc008, 8, new GuestMmioViewTest.Regs());
        assertEquals(null, g.ports().deviceAt(0xc000));
    }
}
