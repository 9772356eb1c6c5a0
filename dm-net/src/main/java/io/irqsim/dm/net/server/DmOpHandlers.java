package io.irqsim.dm.net.server;

import io.irqsim.dm.net.proto.DmFrame;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.guest.linux.LinuxDomU;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.toolstack.DeviceModel;
import io.irqsim.guest.toolstack.IrqFlow;
import io.irqsim.guest.toolstack.Libxl;
import io.irqsim.hv.Errno;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.passthrough.BindPtIrq;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.trace.HwTrace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.irqsim.dm.net.proto.ErrorCodes.*;

/**
 * The requests of an attached device model that a device model makes of Xen through dm_op,
 * physdev ops and domctls (QEMU's {@code xen-hvm} / {@code xen_pt} side): registering MMIO, port
 * and PCI devices, driving a PCI function's INTx line ({@code XEN_DMOP_set_pci_intx_level}) or an
 * ISA IRQ ({@code XEN_DMOP_set_isa_irq_level}), routing a PCI link, injecting an MSI, binding a
 * passthrough device's interrupt ({@code xen_pt_realize}). Every call is issued with the session's
 * device-model domain as the caller. It keeps what those requests created (the session's devices,
 * the lines they raised, the passthrough bindings) and undoes it when the session ends.
 */
final class DmOpHandlers {

    /** A device the model registered: a set of ranges, or a PCI function. */
    private static final class Device {
        final int id;
        final EmulatedFunction function;
        final List<ForwardedRegion> regions = new ArrayList<>();
        int level;
        boolean raisedSinceEoi;

        Device(final int id, final EmulatedFunction function) {
            this.id = id;
            this.function = function;
        }
    }


    private final DmSession session;
    private final List<Device> devices = new ArrayList<>();
    private int isaRaised;
    private int isaRaisedSinceEoi;
    private final List<BindPtIrq> ptBindings = new ArrayList<>();
    private final Map<Bdf, Integer> stubPirqs = new HashMap<>();

    DmOpHandlers(final DmSession session) {
        this.session = session;
    }

    private Hypervisor xen() {
        return session.xen();
    }

    private Domain target() {
        return session.target();
    }

    private Domain stub() {
        return session.deviceModelDomain();
    }

    private DomainClaims claims() {
        return session.claims();
    }

    private int maxDevices() {
        return session.maxDevices();
    }

    private int number() {
        return session.number();
    }

    /** The device a REGISTER_MMIO/PIO adds to: a new one (device id 0), or one of the session's range devices. */
    private Device rangeDevice(final DmFrame f) {
        if (f.device() == 0) {
            if (devices.size() >= maxDevices()) {
                session.refuse(f, LIMIT, 0, "the session has its " + maxDevices() + " device(s), the negotiated maximum");
                return null;
            }
            return new Device(devices.size() + 1, null);
        }
        final Device d = device(f.device());
        if (d == null || d.function != null) {
            session.refuse(f, NO_SUCH_DEVICE, 0, "device " + f.device() + " is not one of this session's range devices");
            return null;
        }
        if (d.regions.size() >= 255) {
            session.refuse(f, LIMIT, 0, "device " + d.id + " has 255 regions already");
            return null;
        }
        return d;
    }

    private Device device(final int id) {
        return id >= 1 && id <= devices.size() ? devices.get(id - 1) : null;
    }

    void registerMmio(final DmFrame f) {
        final Msg.RegisterMmio r = (Msg.RegisterMmio) f.payload();
        final Device d = rangeDevice(f);
        if (d == null) {
            return;
        }
        final long last = r.base() + r.size() - 1;
        final String conflict = claims().mmioConflict(r.base(), last);
        if (conflict != null) {
            session.refuse(f, OVERLAP, 0, String.format("[0x%x, 0x%x] overlaps %s", r.base(), last, conflict));
            return;
        }
        if (d.id > devices.size()) {
            devices.add(d);
        }
        final int index = d.regions.size();
        final String name = "dm" + number() + ".dev" + d.id + ".mmio" + index;
        final ForwardedRegion region = new ForwardedRegion(session, d.id, index, Msg.SPACE_MMIO, r.base(), r.size(), name);
        try {
            target().mapEmulated(r.base(), r.size(), region);
        } catch (final IllegalArgumentException e) {
            // the guest's own map refused it (it overlaps a mapping that is not a model's claim)
            session.refuse(f, OVERLAP, 0, e.getMessage());
            return;
        }
        claims().claimMmio(new DomainClaims.Claim(session, r.base(), last, name));
        d.regions.add(region);
        session.ok(f, d.id, new Msg.Registered(index));
    }

    void registerPio(final DmFrame f) {
        final Msg.RegisterPio r = (Msg.RegisterPio) f.payload();
        final Device d = rangeDevice(f);
        if (d == null) {
            return;
        }
        final long last = r.port() + r.count() - 1L;
        final String conflict = claims().pioConflict(r.port(), last);
        if (conflict != null) {
            session.refuse(f, OVERLAP, 0, String.format("ports [0x%x, 0x%x] overlap %s", r.port(), last, conflict));
            return;
        }
        if (d.id > devices.size()) {
            devices.add(d);
        }
        final int index = d.regions.size();
        final String name = "dm" + number() + ".dev" + d.id + ".pio" + index;
        // claimed and kept, not mapped: irqsim has no guest port-I/O path yet (docs/protocol.md)
        d.regions.add(new ForwardedRegion(session, d.id, index, Msg.SPACE_PIO, r.port(), r.count(), name));
        claims().claimPio(new DomainClaims.Claim(session, r.port(), last, name));
        session.ok(f, d.id, new Msg.Registered(index));
    }

    void registerPci(final DmFrame f) {
        final Msg.RegisterPci r = (Msg.RegisterPci) f.payload();
        if (f.device() != 0) {
            session.refuse(f, BAD_VALUE, 0, "REGISTER_PCI always creates a device: its device id must be 0");
            return;
        }
        if (devices.size() >= maxDevices()) {
            session.refuse(f, LIMIT, 0, "the session has its " + maxDevices() + " device(s), the negotiated maximum");
            return;
        }
        final ScenarioMachine m = session.service().machine();
        final DeviceModel dm = m.deviceModel(target());
        final LinuxDomU guest = m.guest(target());
        if (dm == null || guest == null) {
            session.refuse(f, DOMAIN_REFUSED, 0, target() + " has no guest PCI bus to present a function on");
            return;
        }
        final Bdf bdf = new Bdf(0, r.slot(), 0);
        final EmulatedFunction left = claims().function(r.slot());
        if (left != null) {
            if (left.owner() != null) {
                session.refuse(f, SLOT_BUSY, 0, "slot " + r.slot() + " holds a function of another device model");
                return;
            }
            if (!left.identity().equals(r)) {
                session.refuse(f, SLOT_BUSY, 0, "slot " + r.slot() + " keeps the function its disconnected model left there"
                    + String.format(" (%04x:%04x); only the same function can take it back", left.identity().vendorId(),
                    left.identity().deviceId()));
                return;
            }
            final Device d = new Device(devices.size() + 1, left);
            devices.add(d);
            left.setOwner(session);
            mapBars(d, left);
            session.service().log("session " + number() + ": took back " + bdf + " in " + target());
            session.ok(f, d.id, pciRegistered(left));
            return;
        }
        if (dm.bus().function(bdf) != null) {
            session.refuse(f, SLOT_BUSY, 0, "slot " + r.slot() + " holds " + dm.bus().function(bdf).name());
            return;
        }
        // the BARs go in the slot's 64 KiB window (DeviceModel's layout), largest first: naturally aligned
        final long window = DeviceModel.GUEST_MMIO_BASE + (long) r.slot() * 0x10000;
        final Integer[] order = {0, 1, 2, 3, 4, 5};
        Arrays.sort(order, Comparator.comparingLong((Integer i) -> r.barSizes().get(i)).reversed());
        final long[] base = new long[Msg.BARS];
        long next = window;
        for (final int i : order) {
            final long size = r.barSizes().get(i);
            if (size != 0) {
                base[i] = next;
                next += size;
                final String conflict = claims().mmioConflict(base[i], base[i] + size - 1);
                if (conflict != null) {
                    session.refuse(f, OVERLAP, 0, String.format("BAR%d at [0x%x, 0x%x] would overlap %s", i, base[i],
                        base[i] + size - 1, conflict));
                    return;
                }
            }
        }
        final PciFunction view = new PciFunction(bdf, String.format("dm%d %04x:%04x", number(), r.vendorId(),
            r.deviceId()), r.vendorId(), r.deviceId(), r.classCode(), r.pin(), HwTrace.NONE);
        for (int i = 0; i < Msg.BARS; i++) {
            if (base[i] != 0) {
                view.defineBar(i, r.barSizes().get(i), false, null);
                view.configWrite(PciConfigRegisters.BAR0 + 4 * i, 4, (int) base[i]);
                claims().claimMmio(new DomainClaims.Claim(null, base[i], base[i] + r.barSizes().get(i) - 1,
                    "BAR" + i + " of " + bdf));
            }
        }
        final EmulatedFunction fn = new EmulatedFunction(r, view, base, session);
        claims().addFunction(fn);
        final Device d = new Device(devices.size() + 1, fn);
        devices.add(d);
        mapBars(d, fn);
        dm.bus().add(view);
        session.service().log("session " + number() + ": presented " + bdf + String.format(" [%04x:%04x]", r.vendorId(),
            r.deviceId()) + " in " + target());
        session.ok(f, d.id, pciRegistered(fn));
        // the reply goes out before any IOREQ the guest's probe may cause
        guest.hotplug(view);
    }

    private void mapBars(final Device d, final EmulatedFunction fn) {
        for (int i = 0; i < Msg.BARS; i++) {
            final long size = fn.barSize(i);
            final String name = "dm" + number() + "." + fn.guestView().bdf() + ".bar" + i;
            final ForwardedRegion region = new ForwardedRegion(session, d.id, i, Msg.SPACE_MMIO, fn.barBase(i), size, name);
            d.regions.add(region);
            if (size != 0) {
                target().mapEmulated(fn.barBase(i), size, region);
            }
        }
    }

    private static Msg.PciRegistered pciRegistered(final EmulatedFunction fn) {
        final List<Long> bars = new ArrayList<>(Msg.BARS);
        for (int i = 0; i < Msg.BARS; i++) {
            bars.add(fn.barBase(i));
        }
        return new Msg.PciRegistered(fn.gsi(), bars);
    }

    private Device intxDevice(final DmFrame f) {
        final Device d = device(f.device());
        if (d == null || d.function == null) {
            session.refuse(f, NO_SUCH_DEVICE, 0, "device " + f.device() + " is not one of this session's PCI functions");
            return null;
        }
        if (d.function.pin() == 0) {
            session.refuse(f, BAD_VALUE, 0, "device " + d.id + " has no interrupt pin");
            return null;
        }
        return d;
    }

    void setIntx(final DmFrame f) {
        final Device d = intxDevice(f);
        if (d == null) {
            return;
        }
        final int level = ((Msg.SetIntx) f.payload()).level();
        final int oldLevel = d.level;
        final boolean oldRaised = d.raisedSinceEoi;
        d.level = level; // before the hypercall: the guest may EOI while it runs
        d.raisedSinceEoi |= level == 1;
        final int rc = xen().dmop().setPciIntxLevel(stub(), target().id(), 0, 0, d.function.slot(), d.function.pin() - 1,
            level);
        if (rc != 0) {
            d.level = oldLevel;
            d.raisedSinceEoi = oldRaised;
        }
        answerDmOp(f, d.id, rc, "XEN_DMOP_set_pci_intx_level");
    }

    void setIsaIrq(final DmFrame f) {
        final Msg.SetIsaIrq s = (Msg.SetIsaIrq) f.payload();
        final int oldRaised = isaRaised;
        final int oldSinceEoi = isaRaisedSinceEoi;
        if (s.isaIrq() < 16) {
            final int bit = 1 << s.isaIrq();
            isaRaised = s.level() == 1 ? isaRaised | bit : isaRaised & ~bit;
            isaRaisedSinceEoi |= s.level() == 1 ? bit : 0;
        }
        final int rc = xen().dmop().setIsaIrqLevel(stub(), target().id(), s.isaIrq(), s.level());
        if (rc != 0) {
            isaRaised = oldRaised;
            isaRaisedSinceEoi = oldSinceEoi;
        }
        answerDmOp(f, 0, rc, "XEN_DMOP_set_isa_irq_level");
    }

    void setPciLinkRoute(final DmFrame f) {
        final Msg.SetPciLinkRoute s = (Msg.SetPciLinkRoute) f.payload();
        final int rc = xen().dmop().setPciLinkRoute(stub(), target().id(), s.link(), s.isaIrq());
        answerDmOp(f, 0, rc, "XEN_DMOP_set_pci_link_route");
    }

    void injectMsi(final DmFrame f) {
        final Msg.InjectMsi s = (Msg.InjectMsi) f.payload();
        final int rc = xen().dmop().injectMsi(stub(), target().id(), s.address(), s.data());
        answerDmOp(f, 0, rc, "XEN_DMOP_inject_msi");
    }

    /** Replies to a request a dm_op carried out: OK, or a HYPERVISOR refusal with Xen's errno. */
    private void answerDmOp(final DmFrame f, final int device, final int rc, final String dmop) {
        if (rc != 0) {
            session.refuse(f, HYPERVISOR, rc, dmop + ": " + Errno.name(rc));
        } else {
            session.ok(f, device, Msg.Empty.INSTANCE);
        }
    }

    /**
     * QEMU's {@code xen_pt_realize}: {@code xc_physdev_map_pirq(domid, machine_irq, &pirq)} then
     * {@code xc_domain_bind_pt_pci_irq}, here issued by the stub domain. Its machine IRQ is the one
     * the toolstack gave the stub domain when the device was assigned (libxl adds the device to a
     * stub domain too: {@code map_pirq} and the IRQ permission for it), done here on first use.
     */
    void bindPtIrq(final DmFrame f) {
        final Msg.BindPtIrq b = (Msg.BindPtIrq) f.payload();
        final Bdf bdf = b.segment() == 0 ? new Bdf(b.bus(), b.devfn() >>> 3, b.devfn() & 7) : null;
        if (bdf == null || !target().assignedDevices().contains(bdf)) {
            session.refuse(f, NOT_ASSIGNED, 0, String.format("%04x:%02x:%02x.%d is not assigned to %s", b.segment(),
                b.bus(), b.devfn() >>> 3, b.devfn() & 7, target()));
            return;
        }
        Integer index = stubPirqs.get(bdf);
        if (index == null) {
            final Libxl libxl = session.service().machine().libxl();
            final IrqFlow flow = libxl.flow();
            final int src = flow.source(libxl, bdf);
            if (src <= 0) {
                session.refuse(f, HYPERVISOR, src < 0 ? src : -Errno.ENOENT, bdf + " has no machine interrupt ("
                    + flow.sourceStep().label() + ": " + Errno.name(src) + ")");
                return;
            }
            final int pirq = flow.map(libxl, stub(), src);
            if (pirq < 0) {
                session.refuse(f, HYPERVISOR, pirq, "toolstack map_pirq(d" + stub().id() + ", " + src + ") for the device-model"
                    + " domain: " + Errno.name(pirq));
                return;
            }
            final int rc = flow.permit(libxl, stub(), src, pirq);
            if (rc != 0) {
                session.refuse(f, HYPERVISOR, rc, "toolstack " + flow.permitStep().label() + " for the device-model domain: "
                    + Errno.name(rc));
                return;
            }
            index = pirq;
            stubPirqs.put(bdf, pirq);
        }
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(target().id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, index, -1);
        int rc = xen().physdev().mapPirq(stub(), map);
        if (rc != 0) {
            session.refuse(f, HYPERVISOR, rc, "PHYSDEVOP_map_pirq(d" + target().id() + ", " + index + "): " + Errno.name(rc));
            return;
        }
        final BindPtIrq bind = new BindPtIrq(map.pirq, 0, b.guestDevice(), b.intx());
        rc = xen().domctl().bindPtIrq(stub(), target().id(), bind);
        if (rc != 0) {
            session.refuse(f, HYPERVISOR, rc, "XEN_DOMCTL_bind_pt_irq(d" + target().id() + ", pirq " + map.pirq + "): "
                + Errno.name(rc));
            return;
        }
        ptBindings.add(bind);
        session.ok(f, 0, new Msg.PtIrqBound(map.pirq));
    }

    /**
     * The session's part of an EOI of {@code gsi}: an EOI notice for each of its PCI functions and
     * ISA IRQs on that GSI that was raised since the last one.
     */
    void gsiEoi(final int gsi) {
        for (int i = 0; i < devices.size(); i++) {
            final Device d = devices.get(i);
            if (d.function != null && d.raisedSinceEoi && d.function.gsi() == gsi) {
                d.raisedSinceEoi = d.level == 1;
                session.eoiNotice(d.id, gsi);
            }
        }
        for (int irq = 0; irq < 16; irq++) {
            if ((isaRaisedSinceEoi & (1 << irq)) != 0 && HvmIrq.isaIrqToGsi(irq) == gsi) {
                isaRaisedSinceEoi = (isaRaisedSinceEoi & ~(1 << irq)) | (isaRaised & (1 << irq));
                session.eoiNotice(0, gsi);
            }
        }
    }

    /** At the session's end: no new IOREQs, the ranges go (guest accesses there now read all ones). */
    void unmapRanges() {
        for (final Device d : devices) {
            for (final ForwardedRegion r : d.regions) {
                if (r.isMmio() && r.size() != 0) {
                    target().unmap(r.base());
                }
            }
        }
    }

    /**
     * At the session's end: lowers every line it raised, before the guest resumes (an all-ones
     * status read with the line still up would make the guest's handler loop).
     */
    void lowerLines() {
        for (final Device d : devices) {
            if (d.function != null && d.level == 1) {
                d.level = 0;
                xen().dmop().setPciIntxLevel(stub(), target().id(), 0, 0, d.function.slot(), d.function.pin() - 1, 0);
            }
        }
        for (int irq = 0; irq < 16; irq++) {
            if ((isaRaised & (1 << irq)) != 0) {
                xen().dmop().setIsaIrqLevel(stub(), target().id(), irq, 0);
            }
        }
        isaRaised = 0;
    }

    /** At the session's end: undoes its passthrough bindings (the pirq mapping is the toolstack's). */
    void unbindPtIrqs() {
        for (final BindPtIrq b : ptBindings) {
            xen().domctl().unbindPtIrq(stub(), target().id(), b);
        }
        ptBindings.clear();
    }
}
