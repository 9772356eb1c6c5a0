package io.irqsim.guest.toolstack;

import io.irqsim.guest.GuestEvent;
import io.irqsim.guest.linux.LinuxDomU;
import io.irqsim.guest.linux.PcistubVariant;
import io.irqsim.guest.linux.TestRig;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.guest.strategy.Strategy;
import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.DefaultPlatform;

import java.util.List;

/** A machine set up as the scenario runner does: dom0 booted, pciback holding the NIC, libxl. */
final class LibxlAttachSetup {
    static final Bdf NIC = DefaultPlatform.NIC;
    static final int SLOT = 5;

    final TestRig rig;
    final Libxl libxl;
    final LinuxDomU guest;

    LibxlAttachSetup(final XenConfig xen, final DomainType dom0, final PcistubVariant pciback, final IrqFlow flow,
          final boolean seize) {
        rig = TestRig.defaults(xen, dom0, pciback);
        if (seize) {
            rig.dom0.pciback().seize(NIC);
        }
        libxl = new Libxl(rig.xen, rig.dom0, flow, rig.log);
        guest = libxl.createHvmGuest("guest", 1);
    }

    LibxlAttachSetup(final Strategy s) {
        this(s.xen(), s.dom0Type(), s.pciback(), s.toolstack(), true);
    }

    AttachResult attach() {
        return libxl.pciAttach(guest, NIC, SLOT);
    }

    /** The steps the attach reported, as "label:result". */
    List<String> steps(final long mark) {
        return rig.recordsSince(mark, GuestEvent.TOOLSTACK_STEP).stream().map(LibxlAttachSetup::step).toList();
    }

    static String step(final TraceRecord r) {
        return AttachStep.values()[(int) r.a()].label() + ":" + Errno.name((int) r.c());
    }

    /** @return the upstream design's machine ({@code pciback-setup-gsi}) */
    static LibxlAttachSetup upstream() {
        return new LibxlAttachSetup(Strategies.byName("pciback-setup-gsi"));
    }

    /** @return a machine of design {@code s} whose toolstack uses {@code flow} */
    static LibxlAttachSetup scripted(final Strategy s, final ScriptedFlow flow) {
        return new LibxlAttachSetup(s.xen(), s.dom0Type(), s.pciback(), flow, true);
    }
}
