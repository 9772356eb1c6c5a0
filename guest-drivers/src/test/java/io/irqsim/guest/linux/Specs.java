package io.irqsim.guest.linux;

import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Variations of {@link DefaultPlatform#spec()} for the guest-side unit tests. */
public final class Specs {

    /** A second PCI-to-PCI bridge, behind the first: 01:03.0 leads to bus 2. */
    public static final Bdf BRIDGE2 = new Bdf(1, 3, 0);
    /** An endpoint on bus 2 (two bridges down), using INTB. */
    public static final Bdf TWO_DOWN = new Bdf(2, 5, 0);

    private Specs() {
    }

    /**
     * @param spec a spec
     * @param fw other firmware
     * @return the spec with that firmware
     */
    public static PlatformSpec withFirmware(final PlatformSpec spec, final PlatformSpec.FirmwareSpec fw) {
        return new PlatformSpec(spec.ioapics(), spec.cpus(), spec.pci(), spec.intxWiring(), spec.isaWiring(), fw,
            spec.directedEoi());
    }

    /**
     * @param spec a spec
     * @param prt the {@code _PRT}s to use instead
     * @return the spec with those
     */
    public static PlatformSpec withPrt(final PlatformSpec spec, final Map<Integer, List<PrtEntry>> prt) {
        final PlatformSpec.FirmwareSpec fw = spec.firmware();
        return withFirmware(spec, new PlatformSpec.FirmwareSpec(fw.overrides(), prt, fw.links(), fw.sciGsi(),
            fw.pcatCompat()));
    }

    /**
     * @param spec a spec
     * @param bus a bus
     * @param entries its new {@code _PRT} (the others are kept)
     * @return the spec with it
     */
    public static PlatformSpec withBusPrt(final PlatformSpec spec, final int bus, final List<PrtEntry> entries) {
        final Map<Integer, List<PrtEntry>> prt = new HashMap<>(spec.firmware().prt());
        prt.put(bus, entries);
        return withPrt(spec, prt);
    }

    /**
     * @param spec a spec
     * @param links the link devices to use instead
     * @return the spec with those
     */
    public static PlatformSpec withLinks(final PlatformSpec spec, final List<PlatformSpec.LinkSpec> links) {
        final PlatformSpec.FirmwareSpec fw = spec.firmware();
        return withFirmware(spec, new PlatformSpec.FirmwareSpec(fw.overrides(), fw.prt(), links, fw.sciGsi(),
            fw.pcatCompat()));
    }

    /**
     * @param spec a spec
     * @param overrides the MADT overrides to use instead
     * @return the spec with those
     */
    public static PlatformSpec withOverrides(final PlatformSpec spec, final List<InterruptSourceOverride> overrides) {
        final PlatformSpec.FirmwareSpec fw = spec.firmware();
        return withFirmware(spec, new PlatformSpec.FirmwareSpec(overrides, fw.prt(), fw.links(), fw.sciGsi(),
            fw.pcatCompat()));
    }

    /**
     * The default platform with a second bridge behind the first (01:03.0 to bus 2, no {@code _PRT}
     * on bus 1 or 2) and an endpoint {@code 02:05.0} using INTB.
     *
     * @return the spec
     */
    public static PlatformSpec twoBridges() {
        final PlatformSpec d = DefaultPlatform.spec();
        final List<PlatformSpec.PciDeviceSpec> pci = new ArrayList<>(d.pci());
        pci.add(new PlatformSpec.PciDeviceSpec("bridge2", BRIDGE2, 0x8086, 0x244e, 0x060400, 0, 2));
        pci.add(new PlatformSpec.PciDeviceSpec("nic2", TWO_DOWN, 0x8086, 0x10d3, 0x020000, 2, -1));
        return new PlatformSpec(d.ioapics(), d.cpus(), pci, d.intxWiring(), d.isaWiring(), d.firmware(),
            d.directedEoi());
    }

    /**
     * @param spec a platform
     * @return it with a MADT whose flags lack {@code PCAT_COMPAT}
     */
    public static PlatformSpec withoutPcatCompat(final PlatformSpec spec) {
        final PlatformSpec.FirmwareSpec fw = spec.firmware();
        return withFirmware(spec, new PlatformSpec.FirmwareSpec(fw.overrides(), fw.prt(), fw.links(), fw.sciGsi(),
            false));
    }
}
