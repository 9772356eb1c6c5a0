package io.irqsim.hv.domain;

import io.irqsim.hw.firmware.Madt;
import io.irqsim.hw.firmware.MadtIoApic;
import io.irqsim.hw.firmware.MadtLocalApic;
import io.irqsim.hw.ioapic.IoApic;

import java.util.ArrayList;
import java.util.List;

/**
 * The MADT Xen writes for a PVH hardware domain in place of the host's
 * ({@code pvh_setup_acpi_madt}, {@code xen/arch/x86/hvm/dom0_build.c@RELEASE-4.20.0}). Of the host's
 * table it keeps the header and the interrupt source overrides, copied as they are; the rest is its own:
 * <ul>
 *   <li>flags 0: the table is allocated zeroed and only the header is copied over it, so there is no
 *       {@code PCAT_COMPAT}, whatever the host says;</li>
 *   <li>one IO-APIC entry per vIO-APIC of the domain, with that vIO-APIC's id, base address and GSI
 *       base, which {@code vioapic_init}/{@code vioapic_reset} ({@code xen/arch/x86/hvm/vioapic.c@RELEASE-4.20.0})
 *       take from the physical IO-APIC ({@code mp_ioapics[i]}, {@code io_apic_gsi_base(i)});</li>
 *   <li>one enabled local x2APIC entry per vCPU, UID n and APIC id 2n;</li>
 *   <li>no NMI source, local APIC NMI or local APIC address override entries; the header's local
 *       APIC address is 0xFEE00000.</li>
 * </ul>
 * irqsim's MADT record holds x2APIC entries as local APIC entries (UID, APIC id, enabled).
 */
public final class PvhDom0Madt {

    private PvhDom0Madt() {
    }

    /**
     * @param hwdom the PVH hardware domain, its vIO-APICs and vCPUs already created
     * @param host the host's MADT
     * @return the MADT the domain is given
     * @throws IllegalArgumentException if the domain is not a PVH hardware domain
     */
    public static Madt craft(final Domain hwdom, final Madt host) {
        if (!hwdom.isHardwareDomain() || hwdom.type() != DomainType.PVH) {
            throw new IllegalArgumentException("Xen crafts a MADT only for a PVH hardware domain, not for " + hwdom);
        }
        final List<MadtIoApic> ioApics = new ArrayList<>();
        final List<IoApic> vioapics = hwdom.vioapics();
        for (int i = 0; i < vioapics.size(); i++) {
            final IoApic v = vioapics.get(i);
            ioApics.add(new MadtIoApic(v.id(), hwdom.vioapicAddress(i), v.gsiBase()));
        }
        final List<MadtLocalApic> x2apics = new ArrayList<>();
        for (int n = 0; n < hwdom.vcpus().size(); n++) {
            x2apics.add(new MadtLocalApic(n, 2 * n, true));
        }
        return new Madt(false, x2apics, ioApics, host.overrides());
    }
}
