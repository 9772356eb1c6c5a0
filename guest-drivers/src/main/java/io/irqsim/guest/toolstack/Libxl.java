package io.irqsim.guest.toolstack;

import io.irqsim.guest.GuestEvent;
import io.irqsim.guest.Timeline;
import io.irqsim.guest.linux.LinuxDom0;
import io.irqsim.guest.linux.LinuxDomU;
import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciFunction;

import java.util.HashMap;
import java.util.Map;

/**
 * The toolstack in dom0 (libxl, {@code tools/libs/light/libxl_pci.c}): creates HVM guests with
 * their device models and attaches PCI devices in upstream's order (the same at RELEASE-4.18.0 and
 * RELEASE-4.20.0; what differs per version is the {@link IrqFlow} of {@code pci_add_dm_done}):
 * <ol>
 *   <li>{@code libxl__device_pci_add}: {@code xc_test_assign_device}, then pciback must hold the device;</li>
 *   <li>{@code do_pci_add} → {@code pci_add_qmp_device_add}: the device model's {@code xen_pt_realize}
 *       ({@link DeviceModel#realize}: its own map_pirq and bind_pt_irq, whose failure only disables INTx);</li>
 *   <li>{@code pci_add_dm_done}: BAR permissions (not modelled: passed-through BARs are mapped by the
 *       device model), the flow's source, map and permission, and {@code xc_assign_device} last.</li>
 * </ol>
 * A failing libxl call ends the attach with that call and its errno. Nothing is undone: upstream's
 * {@code device_pci_add_done} only logs and removes the xenstore entry, so a device the device model
 * already presented stays on the guest's bus (and the guest sees it), with whatever INTx binding
 * {@code xen_pt_realize} made.
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
     * Creates and boots an HVM guest ({@code tools/libs/light/libxl_create.c} domain creation, simplified: an HVM
     * domain with an IOMMU context, a device model, the guest kernel booted), with pirqs as this Xen's libxl
     * gives them by default ({@link io.irqsim.hv.policy.XenConfig#hvmPirqByDefault}).
     *
     * @param name name
     * @param vcpus vCPUs
     * @return the guest's kernel
     */
    public LinuxDomU createHvmGuest(final String name, final int vcpus) {
        return createHvmGuest(name, vcpus, xen.config().hvmPirqByDefault());
    }

    /**
     * Creates and boots an HVM guest; {@code pirqs} is {@code XEN_X86_EMU_USE_PIRQ}
     * ({@code tools/libs/light/libxl_x86.c:libxl__arch_domain_prepare_config}: always set at RELEASE-4.18.0,
     * set from xl's {@code hvm_pirq} at RELEASE-4.20.0).
     *
     * @param name name
     * @param vcpus vCPUs
     * @param pirqs whether the guest gets {@code XEN_X86_EMU_USE_PIRQ} (Xen then offers {@code XENFEAT_hvm_pirqs})
     * @return the guest's kernel
     */
    public LinuxDomU createHvmGuest(final String name, final int vcpus, final boolean pirqs) {
        final Domain d = xen.createDomain(DomainConfig.hvmGuest(name, vcpus, pirqs));
        log.log(ACTOR, "created HVM domain d%d (%s), %d vCPU(s)%s", d.id(), name, vcpus,
            pirqs ? ", XEN_X86_EMU_USE_PIRQ" : "");
        final DeviceModel dm = new DeviceModel(d);
        final LinuxDomU kernel = new LinuxDomU(xen, d, log, dm.bus());
        deviceModels.put(d, dm);
        kernels.put(d, kernel);
        kernel.boot();
        return kernel;
    }

    /**
     * {@code libxl__device_pci_add} for an HVM guest ({@code tools/libs/light/libxl_pci.c}
     * {@code libxl__device_pci_add}, {@code do_pci_add}, {@code pci_add_dm_done}@RELEASE-4.18.0 and
     * RELEASE-4.20.0), in upstream's order; see the class comment.
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
        int rc = xen.domctl().testAssignDevice(d0, domU.id(), bdf);
        step(AttachStep.TEST_ASSIGN_DEVICE, bdf.sbdf(), rc, "xc_test_assign_device(d%d, %s) = %s", domU.id(), bdf,
            Errno.name(rc));
        if (rc != 0) {
            return fail(bdf, domU, AttachStep.TEST_ASSIGN_DEVICE, rc, -1, -1, null);
        }
        if (dom0.pciback().psdev(bdf) == null) {
            return fail(bdf, domU, AttachStep.PCI_ASSIGNABLE, -Errno.ENODEV, -1, -1, null);
        }
        // do_pci_add -> pci_add_qmp_device_add: QEMU's xen_pt_realize runs first
        final PciFunction physical = xen.platform().pci().function(bdf);
        final DeviceModel.Realized dm = deviceModels.get(domU).realize(this, physical, slot);
        if (dm.failedStep() == AttachStep.DEVICE_ADD) {
            return fail(bdf, domU, AttachStep.DEVICE_ADD, dm.rc(), -1, -1, null);
        }
        final Bdf guestBdf = dm.presented().bdf();
        // pci_add_dm_done
        final AttachResult failed = addDmDone(domU, bdf, dm, guest);
        if (failed != null) {
            return failed;
        }
        guest.hotplug(dm.presented());
        final int gsi = dm.machineIrq() > 0 ? dm.machineIrq() : -1;
        return new AttachResult(bdf, domU.name(), null, 0, gsi, dm.pirq(), guestBdf, dm.guestGsi(), dm.failedStep(),
            dm.rc());
    }

    /**
     * {@code pci_add_dm_done}'s interrupt part and the assignment ({@code libxl_pci.c}
     * {@code pci_add_dm_done}@RELEASE-4.18.0 / RELEASE-4.20.0): the flow's source (4.18 and a PV dom0: the
     * sysfs irq, where an unreadable file or irq 0 skips the interrupt part; 4.20 with a PVH dom0:
     * {@code libxl__arch_hvm_map_gsi}, where a missing GSI fails and GSI 0 is mapped like any other), map,
     * permission, then
     * {@code xc_assign_device}.
     *
     * @return the failed result, or {@code null} if every call succeeded
     */
    private AttachResult addDmDone(final Domain domU, final Bdf bdf, final DeviceModel.Realized dm,
                                   final LinuxDomU guest) {
        final int src = flow.source(this, bdf);
        step(flow.sourceStep(), bdf.sbdf(), src, "%s for %s = %s", flow.sourceStep().label(), bdf, Errno.name(src));
        if (src < 0 && flow.sourceStep() != AttachStep.SYSFS_IRQ) {
            return fail(bdf, domU, flow.sourceStep(), src, -1, -1, dm, guest);
        }
        // the sysfs path (and the RFC patch, inside it) skips irq 0; libxl__arch_hvm_map_gsi fails only on gsi < 0
        // and maps GSI 0 like any other (tools/libs/light/libxl_x86.c@RELEASE-4.20.0)
        if (src > 0 || src == 0 && flow.mapsGsiZero()) {
            final int pirq = flow.map(this, domU, src);
            step(AttachStep.MAP_PIRQ, src, pirq, "map_pirq(d%d, %d) = %s", domU.id(), src,
                pirq < 0 ? Errno.name(pirq) : "pirq " + pirq);
            if (pirq < 0) {
                return fail(bdf, domU, AttachStep.MAP_PIRQ, pirq, src, -1, dm, guest);
            }
            final int rc = flow.permit(this, domU, src, pirq);
            final boolean gsiPermission = flow.permitStep() == AttachStep.GSI_PERMISSION;
            // the record carries what the call takes: XEN_DOMCTL_irq_permission a pirq, gsi_permission a GSI
            step(flow.permitStep(), gsiPermission ? src : pirq, rc, "%s(d%d, %s %d) = %s", flow.permitStep().label(),
                domU.id(), gsiPermission ? "gsi" : "pirq", gsiPermission ? src : pirq, Errno.name(rc));
            if (rc != 0) {
                return fail(bdf, domU, flow.permitStep(), rc, src, pirq, dm, guest);
            }
        }
        final int rc = xen.domctl().assignDevice(dom0.domain(), domU.id(), bdf);
        step(AttachStep.ASSIGN_DEVICE, bdf.sbdf(), rc, "xc_assign_device(d%d, %s) = %s", domU.id(), bdf, Errno.name(rc));
        if (rc != 0) {
            return fail(bdf, domU, AttachStep.ASSIGN_DEVICE, rc, src, -1, dm, guest);
        }
        return null;
    }

    /**
     * Records a toolstack or device-model call: a {@code toolstack_step} trace record and a timeline line.
     *
     * @param s the call
     * @param arg its main argument
     * @param rc its result
     * @param format timeline text
     * @param args its arguments
     */
    void step(final AttachStep s, final long arg, final int rc, final String format, final Object... args) {
        xen.trace().event(GuestEvent.TOOLSTACK_STEP, s.ordinal(), arg, rc);
        log.log(s.byDeviceModel() ? "qemu" : ACTOR, format, args);
    }

    /**
     * A timeline line.
     *
     * @param actor who
     * @param format text
     * @param args its arguments
     */
    void log(final String actor, final String format, final Object... args) {
        log.log(actor, format, args);
    }

    private AttachResult fail(final Bdf bdf, final Domain domU, final AttachStep s, final int rc, final int gsi,
                              final int pirq, final DeviceModel.Realized dm) {
        log.log(ACTOR, "pci-attach %s to d%d FAILED at %s: %s", bdf, domU.id(), s.label(), Errno.name(rc));
        return dm == null ? new AttachResult(bdf, domU.name(), s, rc, gsi, pirq, null, -1)
            : new AttachResult(bdf, domU.name(), s, rc, gsi, dm.pirq() != -1 ? dm.pirq() : pirq, dm.presented().bdf(),
                dm.guestGsi(), dm.failedStep(), dm.rc());
    }

    /** A failure after the device model presented the device: it stays on the guest's bus, and the guest probes it. */
    private AttachResult fail(final Bdf bdf, final Domain domU, final AttachStep s, final int rc, final int gsi,
                              final int pirq, final DeviceModel.Realized dm, final LinuxDomU guest) {
        final AttachResult r = fail(bdf, domU, s, rc, gsi, pirq, dm);
        log.log(ACTOR, "%s stays on d%d's PCI bus at %s (device_pci_add_done removes nothing)", bdf, domU.id(),
            dm.presented().bdf());
        guest.hotplug(dm.presented());
        return r;
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
