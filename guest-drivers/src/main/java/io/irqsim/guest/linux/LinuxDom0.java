package io.irqsim.guest.linux;

import io.irqsim.guest.Timeline;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hw.firmware.AcpiTables;
import io.irqsim.hw.firmware.MadtIoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.Platform;

import java.util.ArrayList;
import java.util.List;

/**
 * Linux as the hardware domain, PV or PVH flavour, on the physical platform: it sees the physical
 * PCI devices and the ACPI tables Xen hands it ({@link Domain#firmware()}: the host's; for a PVH dom0
 * with Xen's own MADT, {@code pvh_setup_acpi_madt}, xen/arch/x86/hvm/dom0_build.c@RELEASE-4.20.0, which
 * keeps the host's IO-APICs and overrides and has no {@code PCAT_COMPAT}). At boot it sets up its interrupt path (a
 * PVH dom0 masks every pin of its vIO-APICs; a PV dom0 uses pirqs), registers and requests the
 * ACPI SCI, then probes the devices its own drivers claim. pciback and privcmd are part of it.
 */
public final class LinuxDom0 extends LinuxKernel {

    private final Platform platform;
    private final boolean pvh;
    private final Pciback pciback;
    private final Privcmd privcmd;
    private final List<NicTestDriver> drivers = new ArrayList<>();
    private NativeIoApicBackend nativeBackend;

    /**
     * @param xen hypervisor
     * @param dom0 the hardware domain (PV or PVH)
     * @param log timeline
     * @param variant what pciback adds when it seizes a device
     * @throws IllegalArgumentException if {@code dom0} is not the hardware domain (Xen gave it no ACPI tables)
     */
    public LinuxDom0(final Hypervisor xen, final Domain dom0, final Timeline log, final PcistubVariant variant) {
        super(xen, dom0, log, "dom0 linux", xen.platform().pci(), hardwareDomainTables(dom0),
            xen.platform().gsiCount());
        this.platform = xen.platform();
        this.pvh = dom0.type() == DomainType.PVH;
        this.pciback = new Pciback(this, variant);
        this.privcmd = new Privcmd(this);
    }

    /**
     * {@code acpi_parse_ioapic} &rarr; {@code mp_register_ioapic} (arch/x86/kernel/apic/io_apic.c@v6.12)
     * for each MADT IO-APIC of a PV dom0, in table order: the entry count from IOAPICVER
     * ({@link #pvIoApicVersion}); a GSI range that overlaps a registered one is refused
     * ({@link LinuxIrqTable#registerIoApicPins}), as a 24-entry fallback could make it. Each IO-APIC
     * registered takes the next index and is logged as Linux logs it. {@code mp_register_ioapic}'s
     * earlier refusals, an address of 0 or one already registered, cannot happen: a platform whose
     * IO-APIC windows overlap builds no machine.
     */
    private void registerPvIoApics() {
        int idx = 0;
        for (final MadtIoApic m : firmware.madt().ioApics()) {
            final int ver = pvIoApicVersion(xen, domain, m.address());
            final int entries = IoApicRegisters.redirEntries(ver);
            final int gsiEnd = m.gsiBase() + entries - 1;
            if (irqs.registerIoApicPins(m.gsiBase(), entries)) {
                log.log(actor, "IOAPIC[%d]: apic_id %d, version %d, address 0x%x, GSI %d-%d", idx++, m.id(),
                    ver & 0xFF, m.address(), m.gsiBase(), gsiEnd);
            } else {
                log.log(actor, "GSI range [%d-%d] for new IOAPIC at 0x%x conflicts with a registered one, skipped",
                    m.gsiBase(), gsiEnd, m.address());
            }
        }
    }

    /**
     * IOAPICVER as a PV dom0 reads it ({@code io_apic_get_version} / {@code io_apic_get_redir_entries},
     * arch/x86/kernel/apic/io_apic.c@v6.12), through Xen: {@code xen_io_apic_read}
     * (arch/x86/xen/apic.c, read at 54a91f7975ac) asks {@code PHYSDEVOP_apic_read} and, when Xen
     * refuses, falls back to 0x00170020 (version 0x20, 24 entries). The other reads
     * {@code mp_register_ioapic} makes (the all-ones check, the ID) are not modelled, as on the PVH
     * side ({@link IoApicDriver#setup}).
     *
     * @param xen the hypervisor
     * @param dom0 the PV dom0
     * @param address the IO-APIC's MADT address
     * @return the version register
     */
    static int pvIoApicVersion(final Hypervisor xen, final Domain dom0, final long address) {
        final PhysdevOps.ApicAccess read = new PhysdevOps.ApicAccess(address, IoApicRegisters.REG_VER);
        return xen.physdev().apicRead(dom0, read) == 0 ? read.value : 0x0017_0020;
    }

    /**
     * Boots: interrupt set-up, the ACPI SCI, then the given drivers.
     *
     * @param ownDevices devices dom0's own drivers claim
     */
    public void boot(final List<Bdf> ownDevices) {
        log.log(actor, "booting as a %s dom0", pvh ? "PVH" : "PV");
        // nr_legacy_irqs(): arch_probe_nr_irqs (arch/x86/kernel/apic/vector.c@v6.12) calls probe_8259A
        // (arch/x86/kernel/i8259.c@0177cfb2a2db), which keeps the PIC's 16 without probing when the MADT it was
        // given says PCAT_COMPAT (acpi_parse_madt -> legacy_pic_pcat_compat, arch/x86/kernel/acpi/boot.c@0141978ae75b).
        // Without it the probe reads the master's mask port as 0xff and Linux takes null_legacy_pic: 0. Xen denies
        // dom0 the PIC ports (dom0_setup_permissions, xen/arch/x86/dom0_build.c); a PV dom0 reads a denied port as
        // all ones (guest_io_read, xen/arch/x86/pv/emul-priv-op.c), a PVH dom0, which has no vPIC, through the
        // null handler (null_read, xen/arch/x86/hvm/emulate.c), all @RELEASE-4.20.0. A PV dom0's MADT is the host's;
        // a PVH dom0's is the one Xen crafts, whose flags are 0: 0 there, as pci_xen_initial_domain's comment assumes
        irqs.setNrLegacyIrqs(firmware.madt().pcatCompat() ? 16 : 0);
        if (pvh) {
            enableLapic();
            final IoApicDriver ioapic = new IoApicDriver(cpu());
            ioapic.setup(firmware.madt().ioApics());
            log.log(actor, "IO-APIC: %d chip(s), every pin masked", ioapic.chips().size());
            nativeBackend = new NativeIoApicBackend(cpu(), ioapic, irqs);
            backend = nativeBackend;
            nativeBackend.setupIoApicIrqs(firmware);
        } else {
            registerPvIoApics();
            final XenPvBackend pv = new XenPvBackend(xen, domain, irqs, log, actor);
            backend = pv;
            pv.preallocateLegacyIrqs(firmware, irqs::hasIoApicPin);
        }
        registerSci();
        for (final Bdf bdf : ownDevices) {
            mapBars(bdf);
            drivers.add(NicTestDriver.probe(this, bdf, PciIrqMode.INTX, deviceName(bdf)));
        }
    }

    /**
     * The name dom0's own device goes by on the platform ("ahci", "uhci"), under which its driver
     * requests the irq; the test driver's own name for a device the platform names only by address.
     */
    private String deviceName(final Bdf bdf) {
        final String name = dev(bdf).function().name();
        return name.equals(dev(bdf).function().bdf().toString()) ? NicTestDriver.NAME : name;
    }

    private static AcpiTables hardwareDomainTables(final Domain dom0) {
        if (dom0.firmware() == null) {
            throw new IllegalArgumentException(dom0 + " is not the hardware domain: Xen gave it no ACPI tables");
        }
        return dom0.firmware();
    }

    /**
     * ACPI's {@code acpi_sci_ioapic_setup} (arch/x86/kernel/acpi/boot.c@v6.12) +
     * {@code request_irq} for the SCI (nobody raises it here).
     * The SCI is level / active-low unless its override says otherwise: flags that conform to the
     * bus (or no override at all) mean level / low for the SCI ({@code if (trigger == 0) trigger = 3},
     * {@code if (polarity == 0) polarity = 3}), not ISA's edge / high.
     */
    private void registerSci() {
        final int irq = backend.registerGsi(firmware.sciGsi(), AcpiPciLink.sciLevel(firmware),
            AcpiPciLink.sciActiveLow(firmware));
        if (irq >= 0) {
            requestIrq(irq, "acpi", IrqHandler.sync(i -> false));
        }
    }

    /**
     * Maps a device's BARs into dom0's address space at their physical addresses (identity p2m).
     *
     * @param bdf the device
     */
    public void mapBars(final Bdf bdf) {
        final PciFunction f = platform.pci().function(bdf);
        if (f == null) {
            return;
        }
        for (int bar = 0; bar < 6; bar++) {
            final MmioDevice dev = f.barDevice(bar);
            final long addr = f.barAddress(bar);
            if (dev != null && addr != 0 && cpu().bus().deviceAt(addr) == null) {
                domain.mapDirect(addr, f.barSize(bar), dev);
            }
        }
    }

    /**
     * The RFC patch's {@code unmask_irq} (kernel/irq/chip.c@v6.12): on a masked irq, the chip's
     * {@code irq_unmask} with no handler installed (see {@link NativeIoApicBackend#unmaskWithoutHandler}).
     *
     * @param irq Linux irq
     */
    public void unmaskWithoutHandler(final int irq) {
        final LinuxIrq d = irqs.byIrq(irq);
        if (d != null && nativeBackend != null) {
            nativeBackend.unmaskWithoutHandler(d);
        }
    }

    /**
     * What {@code /sys/bus/pci/devices/BDF/irq} shows.
     *
     * @param bdf device
     * @return {@code dev->irq}, 0 if none
     */
    public int sysfsIrq(final Bdf bdf) {
        final PciDev d = dev(bdf);
        return d == null ? 0 : d.irq();
    }

    /** @return whether this is a PVH dom0 */
    public boolean isPvh() {
        return pvh;
    }

    /** @return pciback */
    public Pciback pciback() {
        return pciback;
    }

    /** @return privcmd */
    public Privcmd privcmd() {
        return privcmd;
    }

    /** @return drivers of dom0's own devices */
    public List<NicTestDriver> drivers() {
        return List.copyOf(drivers);
    }
}
