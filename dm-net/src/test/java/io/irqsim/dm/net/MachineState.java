package io.irqsim.dm.net;

import io.irqsim.dm.net.server.DmService;
import io.irqsim.guest.linux.LinuxDomU;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.pci.PciFunction;

import java.util.ArrayList;
import java.util.List;

/**
 * What a device model could change in the machine, as text: the domains, every vCPU's MMIO
 * mappings and whether it waits, every vIO-APIC entry, every HVM line's level and link route, the
 * guests' PCI buses, and the models' claims. Counters (interrupts taken so far) are left out, so a
 * well-behaved model may keep working while the state is compared.
 */
final class MachineState {

    private MachineState() {
    }

    /** Must run on the machine's thread. */
    static List<String> of(final DmService service) {
        final ScenarioMachine m = service.machine();
        final List<String> out = new ArrayList<>();
        for (final Domain d : m.xen().domains()) {
            out.add(d + " dm-for " + (d.deviceModelFor() == null ? "-" : d.deviceModelFor().id()) + " dying "
                + d.isDying() + " caps " + d.irqCaps().count() + " pirqs " + d.pirqs().mapped().size());
            for (final Vcpu v : d.vcpus()) {
                out.add("  " + v + " blocked " + v.isBlocked() + " ioreqs " + v.ioreqsInFlight());
                for (final MmioBus.Mapping map : v.bus().mappings()) {
                    out.add(String.format("    map [0x%x, 0x%x] %s", map.base(), map.last(), map.device().name()));
                }
            }
            for (final IoApic io : d.vioapics()) {
                for (int pin = 0; pin < io.pins(); pin++) {
                    out.add(String.format("  %s pin %d rte 0x%016x", io.name(), pin, io.rte(pin)));
                }
            }
            final HvmIrq irq = d.hvmIrq();
            if (irq != null) {
                for (int gsi = 0; gsi < irq.nrGsis(); gsi++) {
                    out.add("  gsi " + gsi + " asserted by " + irq.gsiAssertCount(gsi));
                }
                for (int dev = 0; dev < 32; dev++) {
                    for (int intx = 0; intx < 4; intx++) {
                        if (irq.isPciIntxAsserted(dev, intx)) {
                            out.add("  intx " + dev + "." + intx + " asserted");
                        }
                    }
                }
                for (int link = 0; link < 4; link++) {
                    out.add("  link " + link + " -> " + irq.pciLinkRoute(link));
                }
            }
            out.addAll(service.claimsOf(d));
        }
        for (final LinuxDomU k : m.guests()) {
            for (final PciFunction f : m.deviceModel(k.domain()).bus().functions()) {
                out.add(k.domain().name() + " pci " + f.bdf() + " " + f.name());
            }
        }
        return out;
    }
}
