package io.irqsim.hv;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hw.pci.PciFunction;

import java.util.ArrayList;
import java.util.List;

/**
 * A minimal INTx driver inside an HVM or PVH guest: on an interrupt it reads its device's status
 * (a shared line may fire for another device), acks the device if it was the source, runs an
 * optional in-service hook, then EOIs its vLAPIC unless told to hold the EOI back.
 */
public final class GuestDriver implements GuestKernel {

    private final PciFunction device;
    /** Interrupts taken (vectors in order). */
    public final List<Integer> vectors = new ArrayList<>();
    /** Interrupts where the device was the source. */
    public int handled;
    /** Interrupts where it was not (another device on the shared line). */
    public int notMine;
    /** Whether the handler EOIs its vLAPIC. */
    public boolean eoi = true;
    /** Runs while the interrupt is in service, after the device ack and before the EOI. */
    public Runnable inService = () -> { };
    private Vcpu lastVcpu;

    private GuestDriver(final PciFunction device) {
        this.device = device;
    }

    /**
     * Attaches a driver for {@code device} as {@code d}'s kernel.
     *
     * @param d the domain
     * @param device the device it drives
     * @return the driver
     */
    public static GuestDriver attach(final Domain d, final PciFunction device) {
        final GuestDriver drv = new GuestDriver(device);
        d.setKernel(drv);
        return drv;
    }

    @Override
    public void interrupt(final Vcpu vcpu, final int vector) {
        lastVcpu = vcpu;
        vectors.add(vector);
        if (device.interruptRequest()) {
            handled++;
            device.setInterruptRequest(false); // the driver acks the device through its BAR
        } else {
            notMine++;
        }
        inService.run();
        if (eoi) {
            Rig.lapicEoi(vcpu);
        }
    }

    /** The EOI a driver that held it back finally writes. */
    public void lateEoi() {
        Rig.lapicEoi(lastVcpu);
    }
}
