package io.irqsim.hv.domain;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.trace.TraceSwitch;

import java.util.List;

/**
 * Run in a JVM of its own by {@link VcpuContextTest}: a machine whose recorder is created off, so the JVM's trace
 * gate ({@link TraceSwitch#anyOn()}) stays shut and {@link Vcpu#enter} sets no context; then the recorder is turned
 * on, and the first access after it must be stamped with its vCPU's domain and CPU (run with {@code -Xbatch}, so
 * the access was compiled while the gate was shut). Exit 0 when it is, 1 when not,
 * 2 when the set-up could not shut the gate (the check would prove nothing).
 */
public final class VcpuContextProbe {

    private VcpuContextProbe() {
    }

    /**
     * @param args none
     */
    public static void main(final String[] args) {
        final Rig rig = Rig.boot(DefaultPlatform.spec(), XenConfig.XEN_4_20, clock -> TraceRecorder.inMemory(clock, 1 << 12, false));
        // dom0's second vCPU: its domain (0) and CPU (1) both differ from the context Xen's boot left (CPU 0, Xen)
        final Domain dom0 = rig.pvhDom0();
        final Vcpu v = dom0.vcpu(1);
        final long ioregsel = Rig.defaultVioapicBase() + IoApicRegisters.IOREGSEL;
        for (int i = 0; i < 200_000; i++) {
            v.mmioWrite(ioregsel, 4, IoApicRegisters.REG_VER); // with -Xbatch: compiled with the gate shut
        }
        if (TraceSwitch.anyOn()) {
            System.err.println("the gate was open with every recorder off");
            System.exit(2);
        }
        if (rig.trace.contextDomain() == dom0.id() || rig.trace.contextCpu() == v.pcpu()) {
            System.err.println("the context was set with the gate shut: this probe cannot see the first access set it");
            System.exit(2);
        }
        rig.trace.setEnabled(true);
        v.mmioWrite(ioregsel, 4, IoApicRegisters.REG_ID);
        final List<TraceRecord> traps = rig.records(HvEvent.MMIO_TRAP);
        if (traps.size() != 1 || traps.get(0).domain() != dom0.id() || traps.get(0).cpu() != v.pcpu()) {
            System.err.println("the first trap after the recorder turned on: " + traps + "; expected domain " + dom0.id()
                + ", CPU " + v.pcpu());
            System.exit(1);
        }
        System.exit(0);
    }
}
