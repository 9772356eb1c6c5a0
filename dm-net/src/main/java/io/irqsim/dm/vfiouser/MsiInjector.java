package io.irqsim.dm.vfiouser;

import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.pci.PciConfigRegisters;

import java.io.IOException;

/**
 * One MSI or MSI-X message of a vfio-user function into an in-process guest, as QEMU's
 * {@code msi_notify} / {@code msix_notify} write it under Xen: {@code XEN_DMOP_inject_msi} with dom0
 * as the caller ({@code xen/arch/x86/hvm/dm.c} &rarr; {@code hvm_inject_msi},
 * xen/arch/x86/hvm/irq.c@RELEASE-4.20.0: {@code vmsi_deliver} to the vLAPICs, or for data vector 0 the
 * event of the pirq in the destination bits). Dropped with bus mastering off (QEMU's
 * {@code pci_msi_trigger} writes through the bus-master address space). Then virtual time advances
 * until the guest is done: no vLAPIC has the vector requested or in service, or, for a pirq event,
 * the vCPU is no longer stalled in the handler (at most {@link VfioUserGuestDevice#EOI_WINDOW_NS}).
 */
final class MsiInjector {

    private static final long STEP_NS = 10_000L;

    private final ScenarioMachine machine;
    private final Domain guest;
    private final VfioUserConfigSpace config;
    private final String socket;
    private long injected;
    private long eois;
    private int lastVector = -1;
    private int lastPirq = -1;

    MsiInjector(final ScenarioMachine machine, final Domain guest, final VfioUserConfigSpace config,
                final String socket) {
        this.machine = machine;
        this.guest = guest;
        this.config = config;
        this.socket = socket;
    }

    /**
     * @param address the message address the guest programmed
     * @param data the message data
     * @throws IOException if the message is dropped, refused, reaches nobody, or the guest does not finish it
     */
    void inject(final long address, final int data) throws IOException {
        final Hypervisor xen = machine.xen();
        if ((config.emulatedConfigRead(PciConfigRegisters.COMMAND, 2) & PciConfigRegisters.COMMAND_MASTER) == 0) {
            throw new IOException(String.format("%s: MSI (address 0x%x data 0x%x) dropped: the guest has bus"
                + " mastering off (pci_msi_trigger writes through the bus-master address space)", socket, address, data));
        }
        final int vector = data & 0xff;
        if (vector == 0) {
            injectPirq(address, data);
            return;
        }
        final long acceptedBefore = accepted();
        final int rc = xen.dmop().injectMsi(xen.hardwareDomain(), guest.id(), address, data);
        if (rc != 0) {
            throw new IOException(String.format("XEN_DMOP_inject_msi(address 0x%x, data 0x%x) for %s failed: %s",
                address, data, socket, Errno.name(rc)));
        }
        injected++;
        xen.drain();
        if (accepted() == acceptedBefore) {
            throw new IOException(String.format("%s: MSI address 0x%x data 0x%x reached no vLAPIC of %s", socket,
                address, data, guest.name()));
        }
        for (long t = 0; pending(vector) && t < VfioUserGuestDevice.EOI_WINDOW_NS; t += STEP_NS) {
            xen.advanceTime(STEP_NS);
        }
        if (config.failure() != null) {
            throw config.failure();
        }
        if (pending(vector)) {
            throw new IOException(String.format("%s: the guest did not EOI MSI vector 0x%02x (interrupt %d) within %d ns"
                + " of virtual time", socket, vector, injected, VfioUserGuestDevice.EOI_WINDOW_NS));
        }
        eois++;
        lastVector = vector;
        if (injected == 1) {
            machine.timeline().log("vfio-user", "first MSI from %s: XEN_DMOP_inject_msi(address 0x%x, data 0x%x) ->"
                + " vector 0x%02x, EOId by the guest", socket, address, data, vector);
        }
    }

    /** The message names a pirq ({@code hvm_inject_msi}'s vector-0 branch): its event, then the handler's end. */
    private void injectPirq(final long address, final int data) throws IOException {
        final Hypervisor xen = machine.xen();
        final int pirq = (int) (((address >>> 32) & 0xffff_ff00L) | ((address >>> 12) & 0xff));
        final int rc = xen.dmop().injectMsi(xen.hardwareDomain(), guest.id(), address, data);
        if (rc != 0) {
            throw new IOException(String.format("XEN_DMOP_inject_msi(address 0x%x, data 0x%x) for %s (pirq %d)"
                + " failed: %s", address, data, socket, pirq, Errno.name(rc)));
        }
        injected++;
        xen.drain();
        final Pirq p = guest.pirqs().get(pirq);
        if (p == null || !p.isEvtchnBound()) {
            throw new IOException(String.format("%s: MSI for pirq %d reached no event channel of %s (send_guest_pirq"
                + " drops it)", socket, pirq, guest.name()));
        }
        for (long t = 0; busy() && t < VfioUserGuestDevice.EOI_WINDOW_NS; t += STEP_NS) {
            xen.advanceTime(STEP_NS);
        }
        if (config.failure() != null) {
            throw config.failure();
        }
        if (busy()) {
            throw new IOException(String.format("%s: the guest did not finish MSI pirq %d (interrupt %d) within %d ns"
                + " of virtual time", socket, pirq, injected, VfioUserGuestDevice.EOI_WINDOW_NS));
        }
        eois++;
        lastPirq = pirq;
        if (injected == 1) {
            machine.timeline().log("vfio-user", "first MSI from %s: XEN_DMOP_inject_msi(address 0x%x, data 0x%x) ->"
                + " pirq %d event, handled by the guest", socket, address, data, pirq);
        }
    }

    private boolean busy() {
        for (final Vcpu v : guest.vcpus()) {
            if (v.isBlocked() || v.ioreqsInFlight() > 0) {
                return true;
            }
        }
        return false;
    }

    private long accepted() {
        long n = 0;
        for (final Vcpu v : guest.vcpus()) {
            if (v.vlapic() != null) {
                n += v.vlapic().acceptedCount();
            }
        }
        return n;
    }

    private boolean pending(final int vector) {
        for (final Vcpu v : guest.vcpus()) {
            final LocalApic l = v.vlapic();
            if (l != null && (l.irr(vector) || l.isr(vector))) {
                return true;
            }
        }
        return false;
    }

    long injected() {
        return injected;
    }

    long eois() {
        return eois;
    }

    int lastVector() {
        return lastVector;
    }

    int lastPirq() {
        return lastPirq;
    }
}
