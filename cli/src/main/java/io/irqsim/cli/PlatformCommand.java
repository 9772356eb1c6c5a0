package io.irqsim.cli;

import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwTrace;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import io.irqsim.hw.firmware.acpi.AcpiFirmware;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code irqsim platform}: describes the built-in default platform and walks one level-triggered
 * PCI interrupt through the bare hardware (no hypervisor), the way a kernel would, checking each step;
 * with {@code --firmware DUMP}, prints what irqsim reads from a real machine's ACPI tables instead
 * ({@link FirmwareReport}).
 */
@Command(name = "platform", mixinStandardHelpOptions = true,
    description = {"Describe the built-in default platform and self-check its bare interrupt path.",
        "",
        "The self-check runs without a hypervisor: it programs the NIC's IO-APIC entry through MMIO, asserts"
            + " its INTx, acknowledges and EOIs on CPU 0.",
        "",
        "With --firmware DUMP: print what irqsim reads from a real machine's ACPI tables instead (IO-APICs,"
            + " overrides, SCI, every _PRT, link devices, evaluations that needed a default; docs/firmware.md)."})
public final class PlatformCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--firmware", paramLabel = "DUMP",
        description = "acpidump output (or a binary table from acpixtract) of a real machine: print what irqsim reads.")
    private Path firmware;

    @CommandLine.Option(names = "--json", description = "With --firmware: print JSON (ioapics, localApic, overrides,"
        + " sci, prt, links, warnings).")
    private boolean json;

    @Override
    public Integer call() {
        final PrintWriter out = spec.commandLine().getOut();
        try {
            if (firmware != null) {
                final AcpiFirmware fw = AcpiFirmware.read(firmware);
                if (json) {
                    out.println(Json.write(FirmwareReport.json(fw)));
                } else {
                    FirmwareReport.text(fw, firmware.toString(), out);
                }
                return Main.EXIT_OK;
            }
            if (json) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--json needs --firmware");
            }
            return selfCheck(out);
        } finally {
            out.flush();
        }
    }

    static int selfCheck(final PrintWriter out) {
        final Platform p = Platform.build(DefaultPlatform.spec(), new VirtualClock(), HwTrace.NONE);
        out.println("irqsim: default platform");
        out.print(p.describe());
        out.println();
        out.println("self-check: NIC 00:03.0 INTA -> GSI " + DefaultPlatform.NIC_GSI + " -> CPU 0");
        final MmioBus cpu0 = p.bus(0);
        final LocalApic lapic = p.lapic(0);
        final IoApic io = p.ioapics().get(0);
        int failures = 0;

        cpu0.write(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.SVR, 4, LocalApicRegisters.SVR_ENABLE | 0xFF);
        final int vector = 0x41;
        final long entry = Rte.of(vector, Rte.DM_FIXED, false, true, true, false, lapic.apicId());
        IoApicRegisters.writeEntry(cpu0, IoApicRegisters.DEFAULT_BASE, DefaultPlatform.NIC_GSI, entry);
        failures += check(out, "RTE reads back as written", IoApicRegisters.readEntry(cpu0, IoApicRegisters.DEFAULT_BASE, DefaultPlatform.NIC_GSI) == entry);

        final PciFunction nic = p.pci().function(DefaultPlatform.NIC);
        nic.setInterruptRequest(true);
        failures += check(out, "INTA pulls GSI 16 low (active-low wire)", !p.wire(DefaultPlatform.NIC_GSI).electricalHigh());
        failures += check(out, "LAPIC IRR holds the vector", lapic.irr(vector));
        failures += check(out, "Remote IRR set on delivery", Rte.remoteIrr(io.rte(DefaultPlatform.NIC_GSI)));
        failures += check(out, "TMR marks the vector level", lapic.tmr(vector));
        failures += check(out, "CPU acknowledges the vector", lapic.acknowledge() == vector);
        nic.setInterruptRequest(false);
        cpu0.write(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.EOI, 4, 0);
        failures += check(out, "EOI broadcast clears Remote IRR", !Rte.remoteIrr(io.rte(DefaultPlatform.NIC_GSI)));
        failures += check(out, "nothing left pending", lapic.pendingVector() < 0 && lapic.highestInService() < 0);
        out.println(failures == 0 ? "self-check passed" : "self-check FAILED: " + failures + " step(s)");
        return failures == 0 ? Main.EXIT_OK : Main.EXIT_FAILED;
    }

    private static int check(final PrintWriter out, final String what, final boolean ok) {
        out.println("  [" + (ok ? "ok" : "FAIL") + "] " + what);
        return ok ? 0 : 1;
    }
}
