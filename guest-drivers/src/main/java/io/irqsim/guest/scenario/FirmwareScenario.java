package io.irqsim.guest.scenario;

import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.firmware.acpi.AcpiFirmware;
import io.irqsim.hw.firmware.acpi.FirmwarePlatform;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.PlatformSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * A scenario booted on a real machine's firmware ({@code --firmware DUMP}, or the scenario key
 * {@code firmware: {acpidump: PATH}}): the platform is {@link FirmwarePlatform}'s, the devices,
 * domains and traffic the scenario's. The built-in default scenario's devices sit at slots a real
 * host bridge rarely routes, so on firmware it keeps only its passed-through NIC and seats it at
 * the first device the host bridge's {@code _PRT} routes INTA for.
 */
public final class FirmwareScenario {

    /**
     * The scenario on the firmware, and what did not fit.
     *
     * @param scenario the scenario
     * @param warnings what the platform could not use, and where the NIC was seated
     */
    public record Result(Scenario scenario, List<String> warnings) {
        /** Copies the list. */
        public Result {
            warnings = List.copyOf(warnings);
        }
    }

    private FirmwareScenario() {
    }

    /**
     * @param s a scenario
     * @param fw the firmware
     * @return {@code s} on {@code fw}
     */
    public static Result on(final Scenario s, final AcpiFirmware fw) {
        final List<String> warnings = new ArrayList<>();
        if (!s.equals(Scenario.defaultScenario())) {
            final FirmwarePlatform.Result r = FirmwarePlatform.spec(fw, s.platform());
            warnings.addAll(r.warnings());
            return new Result(new Scenario(s.name(), s.description(), r.spec(), s.dom0(), s.guests(), s.strategy(),
                s.traffic(), s.expect()), warnings);
        }
        final PlatformSpec def = s.platform();
        final FirmwarePlatform.Result probe = FirmwarePlatform.spec(fw, def);
        int slot = -1;
        for (final PrtEntry e : probe.spec().firmware().prt().getOrDefault(0, List.of())) {
            if (e.pin() == 0 && e.device() != 0 && probe.spec().intxWiring().stream()
                .anyMatch(w -> w.slot() == e.device() && w.pin() == 1)) {
                slot = e.device();
                break;
            }
        }
        if (slot < 0) {
            warnings.add("the host bridge's _PRT routes no device's INTA to an IO-APIC input: the NIC stays at "
                + DefaultPlatform.NIC + " and its interrupt goes nowhere");
            slot = DefaultPlatform.NIC.device();
        }
        final Bdf nic = new Bdf(0, slot, 0);
        final List<PlatformSpec.PciDeviceSpec> pci = new ArrayList<>();
        for (final PlatformSpec.PciDeviceSpec d : def.pci()) {
            if (d.bdf().equals(new Bdf(0, 0, 0))) {
                pci.add(d);
            } else if (d.bdf().equals(DefaultPlatform.NIC)) {
                pci.add(new PlatformSpec.PciDeviceSpec(d.name(), nic, d.vendorId(), d.deviceId(), d.classCode(),
                    d.interruptPin(), d.secondaryBus()));
            }
        }
        final PlatformSpec devices = new PlatformSpec(def.ioapics(), def.cpus(), pci, def.intxWiring(), def.isaWiring(),
            def.firmware(), def.directedEoi()).withApicv(def.apicv());
        final FirmwarePlatform.Result r = FirmwarePlatform.spec(fw, devices);
        warnings.addAll(r.warnings());
        warnings.add("default scenario on firmware: the NIC is seated at " + nic + ", the first device whose INTA the"
            + " host bridge's _PRT routes; dom0's own devices of the built-in platform are left out");
        final List<Scenario.GuestSpec> guests = new ArrayList<>();
        for (final Scenario.GuestSpec g : s.guests()) {
            final List<Scenario.PassthroughSpec> pt = new ArrayList<>();
            for (final Scenario.PassthroughSpec p : g.passthrough()) {
                pt.add(new Scenario.PassthroughSpec(p.device().equals(DefaultPlatform.NIC) ? nic : p.device(),
                    p.virtualSlot()));
            }
            guests.add(new Scenario.GuestSpec(g.name(), g.vcpus(), pt, g.hvmPirq()));
        }
        final List<Scenario.TrafficSpec> traffic = new ArrayList<>();
        for (final Scenario.TrafficSpec t : s.traffic()) {
            traffic.add(new Scenario.TrafficSpec(t.device().equals(DefaultPlatform.NIC) ? nic : t.device(), t.count(),
                t.intervalNs()));
        }
        final Scenario out = new Scenario(s.name(), "Default scenario on a real machine's firmware: the NIC at " + nic
            + " passed through to one HVM domU; 100 interrupts.", r.spec(),
            new Scenario.Dom0Spec(s.dom0().type(), s.dom0().vcpus(), List.of()), guests, s.strategy(), traffic,
            s.expect());
        return new Result(out, warnings);
    }
}
