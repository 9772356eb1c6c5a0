package io.irqsim.guest.toolstack;

import io.irqsim.guest.GuestEvent;
import io.irqsim.guest.Timeline;
import io.irqsim.guest.linux.LinuxDom0;
import io.irqsim.guest.linux.LinuxDomU;
import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.passthrough.BindPtIrq;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciFunction;

import java.util.HashMap;
import java.util.Map;

/**
 * The toolstack in dom0 (libxl, {@code tools/libs/light/libxl_pci.c}): creates HVM guests with
 * their device models and attaches PCI devices: {@code assign_device}, then
 * {@code pci_add_dm_done}'s interrupt part (the {@link IrqFlow} of the design in force), then the
 * device model's map and {@code bind_pt_irq}, then the guest sees the device appear. Any failing
 * call aborts the attach with that call and its errno (and the device is deassigned again).
 */
public final class Libxl {

    private static final String ACTOR = "libxl";

    private final Hypervisor xen;
    private final LinuxDom0 dom0;
    private final IrqFlow flow;
    private final Timeline log;
    private final Map<Domain, DeviceModel> deviceModels = new HashMap<>();
    private final Map<Domain, LinuxDomU> kernels = new HashMap<>();

    /**
     * @param xen the hypervisor
     * @param dom0 the dom0 kernel it runs on
     * @param flow how it handles legacy interrupts
     * @param log timeline
     */
    public Libxl(final Hypervisor xen, final LinuxDom0 dom0, final IrqFlow flow, final Timeline log) {
        this.xen = xen;
        this.dom0 = dom0;
        this.flow = flow;
        this.log = log;
    }

    /**
     * Creates and boots an HVM guest.
     *
     * @param name name
     * @param vcpus vCPUs
     * @return the guest's kernel
     */
    public LinuxDomU createHvmGuest(final String name, final int vcpus) {
        final Domain d = xen.createDomain(DomainConfig.hvmGuest(name, vcpus));
        log.log(ACTOR, "created HVM domain d%d (%s), %d vCPU(s)", d.id(), name, vcpus);
        final DeviceModel dm = new DeviceModel(d);
        final LinuxDomU kernel = new LinuxDomU(xen, d, log, dm.bus());
        deviceModels.put(d, dm);
        kernels.put(d, kernel);
        kernel.boot();
        return kernel;
    }

    /**
     * {@code libxl__device_pci_add} for an HVM guest.
     *
     * @param guest the guest's kernel
     * @param bdf the physical device
     * @param slot the guest device number
     * @return how it ended
     */
    public AttachResult pciAttach(final LinuxDomU guest, final Bdf bdf, final int slot) {
        final Domain domU = guest.domain();
        final Domain d0 = dom0.domain();
        log.log(ACTOR, "pci-attach %s to d%d (%s) at guest slot %d", bdf, domU.id(), domU.name(), slot);
        if (dom0.pciback().psdev(bdf) == null) {
            return fail(bdf, domU, AttachStep.PCI_ASSIGNABLE, -Errno.ENODEV, -1, -1, false);
        }
        int rc = xen.domctl().assignDevice(d0, domU.id(), bdf);
        step(AttachStep.ASSIGN_DEVICE, bdf.sbdf(), rc, "xc_assign_device(d%d, %s) = %s", domU.id(), bdf, Errno.name(rc));
        if (rc != 0) {
            return fail(bdf, domU, AttachStep.ASSIGN_DEVICE, rc, -1, -1, false);
        }
        // pci_add_dm_done
        final int src = flow.source(this, bdf);
        step(flow.sourceStep(), bdf.sbdf(), src, "%s for %s = %s", flow.sourceStep().label(), bdf, Errno.name(src));
        if (src < 0) {
            return fail(bdf, domU, flow.sourceStep(), src, -1, -1, true);
        }
        int pirq = -1;
        if (src > 0) {
            pirq = flow.map(this, domU, src);
            step(AttachStep.MAP_PIRQ, src, pirq, "map_pirq(d%d, %d) = %s", domU.id(), src,
                pirq < 0 ? Errno.name(pirq) : "pirq " + pirq);
            if (pirq < 0) {
                return fail(bdf, domU, AttachStep.MAP_PIRQ, pirq, src, -1, true);
            }
            rc = flow.permit(this, domU, src, pirq);
            // the record carries what the call takes: XEN_DOMCTL_irq_permission a pirq, gsi_permission a GSI
            step(flow.permitStep(), flow.permitStep() == AttachStep.GSI_PERMISSION ? src : pirq, rc,
                "%s(d%d, %s %d) = %s", flow.permitStep().label(), domU.id(),
                flow.permitStep() == AttachStep.GSI_PERMISSION ? "gsi" : "pirq",
                flow.permitStep() == AttachStep.GSI_PERMISSION ? src : pirq, Errno.name(rc));
            if (rc != 0) {
                return fail(bdf, domU, flow.permitStep(), rc, src, pirq, true);
            }
        }
        // the device model: xen_pt_realize
        final PciFunction physical = xen.platform().pci().function(bdf);
        final PciFunction presented = deviceModels.get(domU).present(physical, slot);
        int guestGsi = -1;
        if (src > 0 && physical.interruptPin() != 0) {
            final int dmPirq = flow.map(this, domU, src);
            step(AttachStep.DM_MAP_PIRQ, src, dmPirq, "device model: map_pirq(d%d, %d) = %s", domU.id(), src,
                dmPirq < 0 ? Errno.name(dmPirq) : "pirq " + dmPirq);
            if (dmPirq < 0) {
                return fail(bdf, domU, AttachStep.DM_MAP_PIRQ, dmPirq, src, pirq, true);
            }
            final int intx = physical.interruptPin() - 1;
            rc = xen.domctl().bindPtIrq(d0, domU.id(), new BindPtIrq(dmPirq, 0, slot, intx));
            step(AttachStep.BIND_PT_IRQ, dmPirq, rc, "device model: bind_pt_irq(d%d, pirq %d, 00:%02x INT%c) = %s",
                domU.id(), dmPirq, slot, (char) ('A' + intx), Errno.name(rc));
            if (rc != 0) {
                return fail(bdf, domU, AttachStep.BIND_PT_IRQ, rc, src, dmPirq, true);
            }
            pirq = dmPirq;
            guestGsi = HvmIrq.pciIntxGsi(slot, intx);
        }
        guest.hotplug(presented);
        return new AttachResult(bdf, domU.name(), null, 0, src, pirq, presented.bdf(), guestGsi);
    }

    private void step(final AttachStep s, final long arg, final int rc, final String format, final Object... args) {
        xen.trace().event(GuestEvent.TOOLSTACK_STEP, s.ordinal(), arg, rc);
        log.log(s == AttachStep.DM_MAP_PIRQ || s == AttachStep.BIND_PT_IRQ ? "qemu" : ACTOR, format, args);
    }

    private AttachResult fail(final Bdf bdf, final Domain domU, final AttachStep s, final int rc, final int gsi,
                              final int pirq, final boolean deassign) {
        log.log(ACTOR, "pci-attach %s to d%d FAILED at %s: %s", bdf, domU.id(), s.label(), Errno.name(rc));
        if (deassign) {
            xen.domctl().deassignDevice(dom0.domain(), domU.id(), bdf);
        }
        return new AttachResult(bdf, domU.name(), s, rc, gsi, pirq, null, -1);
    }

    /** @return the hypervisor */
    public Hypervisor xen() {
        return xen;
    }

    /** @return the dom0 kernel */
    public LinuxDom0 dom0() {
        return dom0;
    }

    /** @return the interrupt flow in force */
    public IrqFlow flow() {
        return flow;
    }

    /**
     * @param domU a guest
     * @return its device model
     */
    public DeviceModel deviceModel(final Domain domU) {
        return deviceModels.get(domU);
    }
}
