package io.irqsim.guest.trace;

import io.irqsim.guest.GuestEvent;
import io.irqsim.guest.toolstack.AttachStep;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.pci.Bdf;

import static io.irqsim.guest.trace.TraceText.errno;
import static io.irqsim.guest.trace.TraceText.f;

/**
 * Sentences for the guest and toolstack layer's records ({@link GuestEvent}): Linux, pciback,
 * privcmd, libxl and the device model, the simulated devices.
 */
final class GuestText {

    private GuestText() {
    }

    /** @return {@code vector 0xNN}, or what a -1 (an event channel's interrupt) means */
    private static String vector(final long v) {
        return v < 0 ? "event channel, no vector" : f("vector 0x%02x", v);
    }

    static String describe(final TraceRecord r) {
        switch (r.event()) {
            case GuestEvent.PCI_IRQ_ENABLE:
                return r.b() < 0 ? f("acpi_pci_irq_enable(%s): no GSI, Linux irq %d", bdf(r.a()), r.c())
                    : f("acpi_pci_irq_enable(%s): GSI %d -> Linux irq %d", bdf(r.a()), r.b(), r.c());
            case GuestEvent.REGISTER_GSI:
                return f("acpi_register_gsi(%d, %s) = %s", r.a(), TraceText.trigPol(r.b()),
                    r.c() < 0 ? errno(r.c()) : "irq " + r.c());
            case GuestEvent.REQUEST_IRQ:
                return f("request_irq(%d)%s = %s", r.a(), r.b() < 0 ? "" : f(" for GSI %d", r.b()), errno(r.c()));
            case GuestEvent.FREE_IRQ:
                return f("free_irq(%d)%s: %s", r.a(), r.b() < 0 ? "" : f(" for GSI %d", r.b()),
                    r.c() > 0 ? "last action gone, irq shut down" : r.c() == 0 ? "other actions remain"
                        : "Trying to free already-free IRQ");
            case GuestEvent.IRQ_HANDLED:
                // written only when a handler claimed it (c = 1); an irq taken as an event channel
                // (a pirq, a PV or PVHVM guest's) came with no vector
                return f("Linux irq %d handled (%s)", r.a(), vector(r.b()));
            case GuestEvent.IRQ_UNHANDLED:
                return r.b() < 0 ? f("Linux: no irq for %s", vector(r.a()))
                    : f("Linux irq %d: nobody handled it", r.b());
            case GuestEvent.PCIBACK_SEIZE:
                return f("pciback seizes %s", bdf(r.a()));
            case GuestEvent.TOOLSTACK_STEP:
                return toolstack(r);
            case GuestEvent.DEVICE_RAISE:
                return f("device %s raises an interrupt%s", bdf(r.a()), r.b() != 0 ? " (coalesced: one is pending)" : "");
            case GuestEvent.DEVICE_ACK:
                return f("driver acknowledges device %s (irq %d)", bdf(r.a()), r.b());
            case GuestEvent.PCIBACK_UNMASK:
                return f("pciback: unmask_irq(%d) for %s", r.b(), bdf(r.a()));
            case GuestEvent.PRIVCMD_GET_GSI:
                return r.c() != 0 ? f("privcmd IOCTL_PRIVCMD_PCIDEV_GET_GSI(%s) = %s", bdf(r.a()), errno(r.b()))
                    : f("privcmd: the GSI behind dom0's irq for %s = %s", bdf(r.a()), errno(r.b()));
            default:
                return null;
        }
    }

    /** One libxl / device-model step, with its argument named as the step uses it. */
    private static String toolstack(final TraceRecord r) {
        final AttachStep[] steps = AttachStep.values();
        if (r.a() < 0 || r.a() >= steps.length) {
            return f("toolstack: step_%d(%d) = %s", r.a(), r.b(), errno(r.c()));
        }
        final AttachStep step = steps[(int) r.a()];
        switch (step) {
            case PCI_ASSIGNABLE:
            case ASSIGN_DEVICE:
            case SYSFS_IRQ:
            case PRIVCMD_GSI:
                return f("libxl: %s(%s) = %s", step.label(), bdfOrNumber(r.b()), errno(r.c()));
            case MAP_PIRQ:
                return f("libxl: %s(%d) = %s", step.label(), r.b(), r.c() < 0 ? errno(r.c()) : "pirq " + r.c());
            case DM_MAP_PIRQ:
                return f("device model: %s(%d) = %s", step.label(), r.b(), r.c() < 0 ? errno(r.c()) : "pirq " + r.c());
            case BIND_PT_IRQ:
                return f("device model: %s(pirq %d) = %s", step.label(), r.b(), errno(r.c()));
            case GSI_PERMISSION:
                return f("libxl: %s(gsi %d) = %s", step.label(), r.b(), errno(r.c()));
            default: // IRQ_PERMISSION
                return f("libxl: %s(pirq %d) = %s", step.label(), r.b(), errno(r.c()));
        }
    }

    private static String bdfOrNumber(final long v) {
        return v >= 0 && v <= 0xFFFF ? bdf(v) : Long.toString(v);
    }

    private static String bdf(final long sbdf) {
        return Bdf.fromSbdf((int) sbdf).toString();
    }
}
