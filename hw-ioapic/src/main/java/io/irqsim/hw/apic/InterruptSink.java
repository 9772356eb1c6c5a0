package io.irqsim.hw.apic;

/**
 * Where an interrupt source (an IO-APIC, an MSI write, an IPI) sends interrupt messages: the APIC
 * bus of a machine, or a domain's set of virtual LAPICs. Primitive arguments only.
 */
@FunctionalInterface
public interface InterruptSink {

    /**
     * Sends one interrupt message.
     *
     * @param vector vector (ignored for SMI, NMI, INIT)
     * @param deliveryMode delivery mode, as in the RTE (0 fixed, 1 lowest priority, 2 SMI, 4 NMI, 5 INIT, 7 ExtINT)
     * @param logical whether {@code destination} is a logical destination (MDA)
     * @param destination physical APIC ID or logical destination; physical 0xFF is broadcast
     * @param level whether the interrupt is level-triggered (sets the receiving LAPIC's TMR bit)
     * @return how many local APICs accepted the message
     */
    int sendInterrupt(int vector, int deliveryMode, boolean logical, int destination, boolean level);
}
