package io.irqsim.guest.linux;

import io.irqsim.guest.Timeline;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.HypervisorCpuid;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.pci.PciRoot;

import java.util.ArrayList;
import java.util.List;

/**
 * Linux in an HVM guest: it boots its vLAPIC and 48-pin vIO-APIC (every pin masked), sees the PCI
 * devices its device model presents, routes a device's INTx to a GSI the way an HVM guest does
 * (hvmloader's {@code _PRT}), programs the entry and requests the irq; its driver handles the
 * passed-through device's interrupts through the BAR and EOIs its vLAPIC. When Xen offers
 * {@code XENFEAT_hvm_pirqs} (the domain was created with {@code XEN_X86_EMU_USE_PIRQ}) it registers
 * GSIs through Xen instead ({@link XenHvmPirqBackend}) and takes the device's interrupts as pirq events.
 */
public final class LinuxDomU extends LinuxKernel {

    private final List<NicTestDriver> drivers = new ArrayList<>();
    private final List<PciDriver> otherDrivers = new ArrayList<>();

    /**
     * @param xen hypervisor
     * @param domU the HVM domain
     * @param log timeline
     * @param pci the PCI bus its device model presents (devices are added on hot-plug)
     */
    public LinuxDomU(final Hypervisor xen, final Domain domU, final Timeline log, final PciRoot pci) {
        super(xen, domU, log, domU.name() + " linux", pci, HvmFirmware.tables(domU.vcpus().size()),
            IoApicRegisters.HVM_GUEST_PINS);
    }

    /** Boots: vLAPIC on, IO-APIC set up with every pin masked. */
    public void boot() {
        enableLapic();
        final IoApicDriver ioapic = new IoApicDriver(cpu());
        ioapic.setup(firmware.madt().ioApics());
        final boolean xenPciMsi = domain.hasPirqNotion() && !apicVirtualized();
        if (domain.hasPirqNotion()) {
            // pci_xen_hvm_init (arch/x86/pci/xen.c@v6.12): XENFEAT_hvm_pirqs and a vector callback
            backend = new XenHvmPirqBackend(xen, domain, irqs, log, actor, xenPciMsi,
                new NativeIoApicBackend(cpu(), ioapic, irqs));
        } else {
            backend = new NativeIoApicBackend(cpu(), ioapic, irqs);
        }
        log.log(actor, "booted: vLAPIC enabled, %d-pin IO-APIC masked%s", ioapic.chips().get(0).pins(),
            !domain.hasPirqNotion() ? ""
                : xenPciMsi ? "; XENFEAT_hvm_pirqs: GSIs and MSIs go through Xen pirqs and event channels"
                : "; XENFEAT_hvm_pirqs: GSIs go through Xen pirqs and event channels; xen_hvm_msi_init: Xen reports"
                    + " APIC access virtualization, MSIs stay native");
    }

    /**
     * {@code xen_hvm_msi_init}'s test (arch/x86/pci/xen.c@v6.12): the hypervisor leaf reports
     * {@code XEN_HVM_CPUID_APIC_ACCESS_VIRT} on a CPU with an APIC, or {@code XEN_HVM_CPUID_X2APIC_VIRT}
     * in x2APIC mode, which irqsim's guests never enter.
     */
    private boolean apicVirtualized() {
        return (HypervisorCpuid.hvmFeatures(domain, xen.platform().spec()) & HypervisorCpuid.APIC_ACCESS_VIRT) != 0;
    }

    /**
     * A device appeared on the guest's PCI bus (hot-plug): probe its driver.
     *
     * @param function the device as the guest sees it (already on the bus)
     * @return the driver
     */
    public NicTestDriver hotplug(final PciFunction function) {
        return hotplug(function, PciIrqMode.INTX);
    }

    /**
     * A device appeared on the guest's PCI bus: probe its driver, which asks for {@code mode}.
     *
     * @param function the device as the guest sees it (already on the bus)
     * @param mode INTx, MSI or MSI-X
     * @return the driver
     */
    public NicTestDriver hotplug(final PciFunction function, final PciIrqMode mode) {
        log.log(actor, "PCI hot-plug: %s [%04x:%04x]", function.bdf(), function.vendorId(), function.deviceId());
        final NicTestDriver drv = NicTestDriver.probe(this, function.bdf(), mode);
        drivers.add(drv);
        return drv;
    }

    /**
     * A device appeared on the guest's PCI bus: the driver whose ID table matches binds it
     * ({@link LibvfioUserSampleDriver} for libvfio-user's sample device), else the nic-test driver
     * ({@link #hotplug}).
     *
     * @param function the device as the guest sees it (already on the bus)
     * @return the driver
     */
    public PciDriver hotplugDevice(final PciFunction function) {
        return hotplugDevice(function, PciIrqMode.INTX);
    }

    /**
     * As {@link #hotplugDevice(PciFunction)}, the nic-test driver asking for {@code mode} (the
     * sample's driver uses INTx).
     *
     * @param function the device as the guest sees it (already on the bus)
     * @param mode INTx, MSI or MSI-X, for the nic-test driver
     * @return the driver
     */
    public PciDriver hotplugDevice(final PciFunction function, final PciIrqMode mode) {
        if (!LibvfioUserSampleDriver.matches(function)) {
            return hotplug(function, mode);
        }
        log.log(actor, "PCI hot-plug: %s [%04x:%04x]", function.bdf(), function.vendorId(), function.deviceId());
        final LibvfioUserSampleDriver drv = LibvfioUserSampleDriver.probe(this, function.bdf());
        otherDrivers.add(drv);
        return drv;
    }

    /**
     * @param bdf a guest device
     * @return whichever driver bound it, or {@code null}
     */
    public PciDriver boundDriver(final Bdf bdf) {
        final NicTestDriver nic = driver(bdf);
        if (nic != null) {
            return nic;
        }
        for (final PciDriver d : otherDrivers) {
            if (d.bdf().equals(bdf)) {
                return d;
            }
        }
        return null;
    }

    /**
     * @param bdf a guest device
     * @return its driver, or {@code null}
     */
    public NicTestDriver driver(final Bdf bdf) {
        for (final NicTestDriver d : drivers) {
            if (d.bdf().equals(bdf)) {
                return d;
            }
        }
        return null;
    }

    /** @return drivers bound */
    public List<NicTestDriver> drivers() {
        return List.copyOf(drivers);
    }
}
