package io.irqsim.hv.domain;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hw.mmio.MmioDevice;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A guest's physical address space as Xen builds it: an emulated device's range traps into the
 * hypervisor on every access ({@code hvm_mmio_handler}s: each access is a VM exit, traced here),
 * a passed-through BAR is mapped straight into the guest's p2m (no exit, no trace), and a range
 * taken away leaves nothing (reads of all ones, as a master abort). Every vCPU sees the same view.
 */
class GuestMmioViewTest {

    static final long BAR = 0xF000_0000L;

    /** A 4 KiB register file remembering every access. */
    static final class Regs implements MmioDevice {
        final List<String> log = new ArrayList<>();
        long value = 0x1234_5678L;

        @Override
        public long read(final long offset, final int size) {
            log.add("r" + offset + "/" + size);
            return value;
        }

        @Override
        public void write(final long offset, final int size, final long v) {
            log.add("w" + offset + "/" + size + "=" + v);
            value = v;
        }

        @Override
        public int acceptedSizes() {
            return ACCESS_4 | ACCESS_8;
        }

        @Override
        public String name() {
            return "regs";
        }
    }

    static Domain twoVcpuGuest(final Rig rig) {
        return rig.xen.createDomain(new DomainConfig("g", DomainType.HVM, 2, false, false, true, false));
    }

    @Test
    void aPassedThroughBarIsReachedWithoutATrapFromEveryVcpu() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain g = twoVcpuGuest(rig);
        final Regs bar = new Regs();
        g.mapDirect(BAR, 0x1000, bar);
        final int traps = rig.count(HvEvent.MMIO_TRAP);
        g.vcpu(0).mmioWrite(BAR + 8, 4, 0xAB);
        assertEquals(0xAB, g.vcpu(1).mmioRead(BAR + 8, 4));
        assertEquals(List.of("w8/4=171", "r8/4"), bar.log);
        assertEquals(traps, rig.count(HvEvent.MMIO_TRAP), "no exit for a directly mapped BAR");
    }

    @Test
    void anEmulatedRangeTrapsOnEveryVcpuAndKeepsTheDevicesSizesAndName() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain g = twoVcpuGuest(rig);
        final Regs dev = new Regs();
        g.mapEmulated(BAR, 0x1000, dev);
        final int traps = rig.count(HvEvent.MMIO_TRAP);
        g.vcpu(1).mmioWrite(BAR + 0x10, 8, 0x55);
        assertEquals(0x55, g.vcpu(0).mmioRead(BAR + 0x10, 8));
        assertEquals(traps + 2, rig.count(HvEvent.MMIO_TRAP));
        final MmioDevice seen = g.vcpu(0).bus().deviceAt(BAR);
        assertEquals("regs", seen.name());
        assertEquals(MmioDevice.ACCESS_4 | MmioDevice.ACCESS_8, seen.acceptedSizes());
        assertEquals(0xFFL, g.vcpu(0).mmioRead(BAR, 1), "a size the device refuses never reaches it");
        assertEquals(List.of("w16/8=85", "r16/8"), dev.log);
    }

    @Test
    void anUnmappedRangeIsGoneFromEveryVcpu() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain g = twoVcpuGuest(rig);
        final Regs bar = new Regs();
        g.mapDirect(BAR, 0x1000, bar);
        g.unmap(BAR);
        for (final Vcpu v : g.vcpus()) {
            assertNull(v.bus().deviceAt(BAR));
            assertEquals(0xFFFF_FFFFL, v.mmioRead(BAR, 4));
        }
        assertEquals(List.of(), bar.log);
    }
}
