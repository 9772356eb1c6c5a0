package io.irqsim.dm.net.server;

import io.irqsim.dm.net.proto.Msg;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hw.pci.PciFunction;

/**
 * A PCI function a device model presented on a guest's PCI bus: its header (what REGISTER_PCI
 * sent), the guest's view of it, where its BARs are, and the session serving it. When that
 * session ends the function stays on the guest's bus (the guest keeps its driver bound) with its
 * BARs unmapped, so guest accesses read all ones, until a model registers the same function at
 * the same slot again.
 */
final class EmulatedFunction {

    private final Msg.RegisterPci identity;
    private final PciFunction guestView;
    private final long[] barBase;
    private DmSession owner;

    EmulatedFunction(final Msg.RegisterPci identity, final PciFunction guestView, final long[] barBase,
                     final DmSession owner) {
        this.identity = identity;
        this.guestView = guestView;
        this.barBase = barBase.clone();
        this.owner = owner;
    }

    Msg.RegisterPci identity() {
        return identity;
    }

    PciFunction guestView() {
        return guestView;
    }

    int slot() {
        return identity.slot();
    }

    int pin() {
        return identity.pin();
    }

    /** @return the guest GSI of its INTx, or {@link Msg#NO_GSI} */
    int gsi() {
        return identity.pin() == 0 ? Msg.NO_GSI : HvmIrq.pciIntxGsi(identity.slot(), identity.pin() - 1);
    }

    long barBase(final int bar) {
        return barBase[bar];
    }

    long barSize(final int bar) {
        return identity.barSizes().get(bar);
    }

    DmSession owner() {
        return owner;
    }

    void setOwner(final DmSession session) {
        this.owner = session;
    }
}
