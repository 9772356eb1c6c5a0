package io.irqsim.dm.net.client;

import java.util.List;

/**
 * A PCI function the server presented for the model.
 *
 * @param device its device id in the session
 * @param gsi the guest GSI of its INTx, or -1 if it has no interrupt pin
 * @param barAddresses guest-physical address of each BAR (0 for none)
 */
public record PciDevice(int device, int gsi, List<Long> barAddresses) {
}
