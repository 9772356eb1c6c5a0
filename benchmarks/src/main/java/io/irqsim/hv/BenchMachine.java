package io.irqsim.hv;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.hypercall.DomctlOps;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.passthrough.BindPtIrq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.time.VirtualClock;

/**
 * A machine for the hypervisor benchmarks: the default platform, Xen booted on it with an
 * in-memory trace recorder, and a PVH hardware domain with 2 vCPUs; optionally an HVM guest with
 * the NIC passed through the way Xen 4.20's toolstack does it.
 *
 * <p>Tracing: with {@code recordTrace} off the recorder is created off
 * ({@link TraceRecorder#inMemory(io.irqsim.hw.time.VirtualClock, int, boolean)}), and while no
 * recorder in the JVM records the trace points compile to nothing ({@link
 * io.irqsim.hw.trace.TraceSwitch#anyOn()}); with it on, every event is written, and
 * a benchmark calls {@link #wrapTrace()} at the start of each operation, which discards the records
 * once {@link #TRACE_WRAP_RECORDS} have accumulated, so the buffer is reused (about 640 KiB, a
 * ring in effect) instead of growing by gigabytes over a run.
 */
public final class BenchMachine implements AutoCloseable {

    /** Records kept before a recording benchmark starts the buffer over. */
    public static final int TRACE_WRAP_RECORDS = 1 << 14;
    /** Vector the guest programs for its passed-through line. */
    public static final int GUEST_VECTOR = 0x51;
    /** Virtual slot of the passed-through NIC in the guest. */
    public static final int GUEST_SLOT = 5;

    /** The hypervisor. */
    public final Hypervisor xen;
    /** Its trace recorder (also the platform's hardware trace). */
    public final TraceRecorder trace;
    /** The PVH hardware domain. */
    public final Domain dom0;

    private BenchMachine(final Hypervisor xen, final TraceRecorder trace, final Domain dom0) {
        this.xen = xen;
        this.trace = trace;
        this.dom0 = dom0;
    }

    /**
     * Boots Xen 4.20 on the default platform and creates a PVH dom0.
     *
     * @param recordTrace whether trace events are written
     * @return the machine
     */
    public static BenchMachine boot(final boolean recordTrace) {
        return boot(recordTrace, DomainType.PVH);
    }

    /**
     * Boots the default machine under Xen 4.20 with a dom0 of the given type.
     *
     * @param recordTrace whether trace events are written
     * @param dom0Type PVH or PV
     * @return the machine
     */
    public static BenchMachine boot(final boolean recordTrace, final DomainType dom0Type) {
        final VirtualClock clock = new VirtualClock();
        // room for a full wrap plus the events of the operation that crosses the limit
        // created in the state it keeps: a recorder turned off after creation would open and shut
        // TraceSwitch's gate once per machine (a per-invocation boot would use up its flips)
        final TraceRecorder trace = TraceRecorder.inMemory(clock, TRACE_WRAP_RECORDS + 1024, recordTrace);
        final Hypervisor xen = Hypervisor.boot(Platform.build(DefaultPlatform.spec(), clock, trace),
            XenConfig.XEN_4_20, trace);
        return new BenchMachine(xen, trace, xen.createDomain(DomainConfig.dom0(dom0Type, 2)));
    }

    /** Starts the trace over once it holds {@link #TRACE_WRAP_RECORDS} records (no-op when not recording). */
    public void wrapTrace() {
        final TraceRecorder t = trace;
        if (t.recordCount() >= TRACE_WRAP_RECORDS) {
            t.clear();
        }
    }

    /**
     * Passes the NIC (00:03.0, GSI 16) through to a new HVM guest as Xen 4.20's pciback, QEMU and
     * libxl do: {@code PHYSDEVOP_setup_gsi} (level, low), {@code map_pirq}, {@code gsi_permission},
     * {@code assign_device}, {@code bind_pt_irq} at virtual slot {@link #GUEST_SLOT}; then the
     * guest enables its vLAPIC and programs its GSI for the slot unmasked, level, active low,
     * vector {@link #GUEST_VECTOR}. No guest kernel is attached.
     *
     * @return the guest
     * @throws IllegalStateException if a step fails
     */
    public Domain passThroughNic() {
        final Domain domu = xen.createDomain(DomainConfig.hvmGuest("domU", 1));
        final int gsi = DefaultPlatform.NIC_GSI;
        final Bdf nic = DefaultPlatform.NIC;
        check("setup_gsi", xen.physdev().setupGsi(dom0, gsi, 1, 1));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(domu.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, gsi, -1);
        check("map_pirq", xen.physdev().mapPirq(dom0, map));
        check("gsi_permission", xen.domctl().gsiPermission(dom0, domu.id(), gsi, DomctlOps.GSI_GRANT));
        check("assign_device", xen.domctl().assignDevice(dom0, domu.id(), nic));
        check("bind_pt_irq", xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(map.pirq, 0, GUEST_SLOT, 0)));
        final Vcpu v = domu.vcpu(0);
        v.mmioWrite(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.SVR, 4, LocalApicRegisters.SVR_ENABLE | 0xFF);
        writeRte(v, HvmIrq.pciIntxGsi(GUEST_SLOT, 0), Rte.of(GUEST_VECTOR, Rte.DM_FIXED, false, true, true, false, 0));
        return domu;
    }

    /**
     * A new HVM guest with an emulated device at virtual slot {@link #GUEST_SLOT} (its INTA line
     * driven by a device model, as QEMU drives it with {@code XEN_DMOP_set_pci_intx_level}): the
     * guest enables its vLAPIC and programs the slot's GSI unmasked, level, active low, vector
     * {@link #GUEST_VECTOR}. Xen 4.20 gives the guest no {@code XENFEAT_hvm_pirqs}, so the GSI
     * reaches the vIO-APIC. No guest kernel is attached.
     *
     * @return the guest
     */
    public Domain emulatedIntxGuest() {
        final Domain domu = xen.createDomain(DomainConfig.hvmGuest("domU", 1));
        final Vcpu v = domu.vcpu(0);
        v.mmioWrite(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.SVR, 4, LocalApicRegisters.SVR_ENABLE | 0xFF);
        writeRte(v, HvmIrq.pciIntxGsi(GUEST_SLOT, 0), Rte.of(GUEST_VECTOR, Rte.DM_FIXED, false, true, true, false, 0));
        return domu;
    }

    private static void check(final String step, final int rc) {
        if (rc != 0) {
            throw new IllegalStateException(step + " failed: " + Errno.name(rc));
        }
    }

    /**
     * Writes a whole redirection entry of the vIO-APIC at the default address as Linux's
     * {@code __ioapic_write_entry} does: IOREGSEL/IOWIN for the high dword, then for the low one.
     *
     * @param v the vCPU doing the writes
     * @param pin the pin
     * @param rte the entry
     */
    public static void writeRte(final Vcpu v, final int pin, final long rte) {
        final long base = IoApicRegisters.DEFAULT_BASE;
        v.mmioWrite(base + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.redtblHigh(pin));
        v.mmioWrite(base + IoApicRegisters.IOWIN, 4, Rte.high(rte) & 0xFFFF_FFFFL);
        v.mmioWrite(base + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.redtblLow(pin));
        v.mmioWrite(base + IoApicRegisters.IOWIN, 4, Rte.low(rte) & 0xFFFF_FFFFL);
    }

    /** Releases the trace buffer (off-heap memory). */
    @Override
    public void close() {
        trace.close();
    }
}
