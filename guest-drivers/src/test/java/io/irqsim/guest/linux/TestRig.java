package io.irqsim.guest.linux;

import io.irqsim.guest.Timeline;
import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.platform.PlatformSpec;
import io.irqsim.hw.time.VirtualClock;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A machine for the guest-side unit tests, assembled the way {@code ScenarioRunner} does it: the
 * platform with a {@link NicTestDevice} behind BAR0 of every endpoint that has an interrupt pin
 * (BARs at {@link #BAR_BASE} + 64 KiB each), Xen booted on it, a dom0 of the requested flavour
 * with its Linux model. Deterministic: virtual time only, nothing sleeps.
 */
public final class TestRig {

    /** Physical address of the first device BAR (as the scenario runner assigns them). */
    public static final long BAR_BASE = 0xFE00_0000L;

    /** The hypervisor. */
    public final Hypervisor xen;
    /** Its trace. */
    public final TraceRecorder trace;
    /** The timeline the Linux models write to. */
    public final Timeline log;
    /** The simulated devices, by physical address. */
    public final Map<Bdf, NicTestDevice> devices;
    /** The hardware domain, or {@code null} if none was created. */
    public final Domain d0;
    /** dom0's Linux, or {@code null}. */
    public final LinuxDom0 dom0;

    private TestRig(final Hypervisor xen, final TraceRecorder trace, final Timeline log,
                    final Map<Bdf, NicTestDevice> devices, final Domain d0, final LinuxDom0 dom0) {
        this.xen = xen;
        this.trace = trace;
        this.log = log;
        this.devices = devices;
        this.d0 = d0;
        this.dom0 = dom0;
    }

    /**
     * Xen on a platform with test devices, no domains.
     *
     * @param spec machine
     * @param config design
     * @return the rig (no dom0)
     */
    public static TestRig xenOnly(final PlatformSpec spec, final XenConfig config) {
        final VirtualClock clock = new VirtualClock();
        final TraceRecorder trace = TraceRecorder.inMemory(clock, 1 << 14);
        final Platform platform = Platform.build(spec, clock, trace);
        final Map<Bdf, NicTestDevice> devices = new LinkedHashMap<>();
        long bar = BAR_BASE;
        for (final PciFunction f : platform.pci().functions()) {
            if (f.isBridge() || f.interruptPin() == 0) {
                continue;
            }
            final NicTestDevice dev = new NicTestDevice(f);
            platform.assignBar(f, 0, bar);
            bar += 0x10000;
            devices.put(f.bdf(), dev);
        }
        final Hypervisor xen = Hypervisor.boot(platform, config, trace);
        return new TestRig(xen, trace, new Timeline(clock, trace::recordCount), devices, null, null);
    }

    /**
     * Xen plus a dom0 whose Linux model has been constructed but not booted.
     *
     * @param spec machine
     * @param config design
     * @param type PV or PVH
     * @param variant pciback's variant
     * @return the rig
     */
    public static TestRig unbooted(final PlatformSpec spec, final XenConfig config, final DomainType type,
                                   final PcistubVariant variant) {
        final TestRig r = xenOnly(spec, config);
        final Domain d0 = r.xen.createDomain(DomainConfig.dom0(type, 2));
        final LinuxDom0 dom0 = new LinuxDom0(r.xen, d0, r.log, variant);
        return new TestRig(r.xen, r.trace, r.log, r.devices, d0, dom0);
    }

    /**
     * Xen plus a booted dom0.
     *
     * @param spec machine
     * @param config design
     * @param type PV or PVH
     * @param variant pciback's variant
     * @param ownDevices devices dom0's own drivers claim
     * @return the rig
     */
    public static TestRig booted(final PlatformSpec spec, final XenConfig config, final DomainType type,
                                 final PcistubVariant variant, final List<Bdf> ownDevices) {
        final TestRig r = unbooted(spec, config, type, variant);
        r.dom0.boot(ownDevices);
        return r;
    }

    /**
     * The default platform with a booted dom0 and no drivers of its own.
     *
     * @param config design
     * @param type PV or PVH
     * @param variant pciback's variant
     * @return the rig
     */
    public static TestRig defaults(final XenConfig config, final DomainType type, final PcistubVariant variant) {
        return booted(DefaultPlatform.spec(), config, type, variant, List.of());
    }

    /**
     * The default platform with a booted dom0 of the given type (no drivers of its own, pciback
     * {@link PcistubVariants#ENABLE_ONLY}) that has enabled the NIC ({@code pci_enable_device}):
     * its GSI has an irq, nothing requested yet.
     *
     * @param config design
     * @param type PV or PVH
     * @return the rig
     */
    public static TestRig withNicEnabled(final XenConfig config, final DomainType type) {
        final TestRig r = defaults(config, type, PcistubVariants.ENABLE_ONLY);
        r.dom0.pciEnableDevice(DefaultPlatform.NIC);
        return r;
    }

    /** @return the default platform's NIC ({@link DefaultPlatform#NIC}) */
    public PciFunction nic() {
        return xen.platform().pci().function(DefaultPlatform.NIC);
    }

    /** @return the trace's current record count (a mark for {@link #recordsSince}) */
    public long mark() {
        return trace.recordCount();
    }

    /**
     * @param mark a value of {@link #mark()}
     * @param event an event code
     * @return the records of that event written since the mark, in order
     */
    public List<TraceRecord> recordsSince(final long mark, final int event) {
        final List<TraceRecord> out = new ArrayList<>();
        final List<TraceRecord> all = trace.reader().records();
        for (int i = (int) mark; i < all.size(); i++) {
            if (all.get(i).event() == event) {
                out.add(all.get(i));
            }
        }
        return out;
    }

    /** @return every timeline line's text, in order */
    public List<String> lines() {
        final List<String> out = new ArrayList<>();
        for (final Timeline.Entry e : log.entries()) {
            out.add(e.actor() + ": " + e.text());
        }
        return out;
    }

    /**
     * @param fragment text
     * @return how many timeline lines contain it
     */
    public long linesContaining(final String fragment) {
        return lines().stream().filter(l -> l.contains(fragment)).count();
    }

    /**
     * @param gsi a GSI
     * @return dom0's vIO-APIC entry for it (host view, no side effects)
     */
    public long dom0Rte(final int gsi) {
        return d0.vioapicForGsi(gsi).rte(gsi - d0.vioapicForGsi(gsi).gsiBase());
    }

    /**
     * @param gsi a GSI
     * @return the physical IO-APIC entry (host view)
     */
    public long physicalRte(final int gsi) {
        return xen.platform().ioapicForGsi(gsi).rte(gsi - xen.platform().ioapicForGsi(gsi).gsiBase());
    }

    /**
     * @param gsi a GSI
     * @param d a domain
     * @return whether Xen's irq descriptor for the GSI has {@code d} among its guests
     */
    public boolean boundTo(final int gsi, final Domain d) {
        final io.irqsim.hv.irq.IrqDesc desc = xen.irqDescs().desc(gsi);
        for (int i = 0; i < desc.nrGuests(); i++) {
            if (desc.guest(i) == d) {
                return true;
            }
        }
        return false;
    }
}
