package io.irqsim.guest.run;

import io.irqsim.hw.pci.Bdf;

/**
 * What happened to one passed-through device in a run.
 *
 * @param device the physical device
 * @param guest the guest it was passed to
 * @param attach {@code "ok"} or the failing call and errno
 * @param gsi the machine GSI firmware gives it
 * @param fired interrupts the device raised
 * @param delivered interrupts the guest's driver handled
 * @param physicalTrigger the GSI's trigger as finally programmed: {@code level}, {@code edge} or {@code unset}
 * @param physicalPolarity its polarity: {@code low}, {@code high} or {@code unset}
 * @param firmwareTrigger what ACPI says
 * @param firmwarePolarity what ACPI says
 * @param boundToDom0 whether the GSI is bound to dom0 as well
 */
public record DeviceOutcome(Bdf device, String guest, String attach, int gsi, long fired, long delivered,
                            String physicalTrigger, String physicalPolarity, String firmwareTrigger,
                            String firmwarePolarity, boolean boundToDom0) {
}
