package io.irqsim.cli;

import io.irqsim.dm.ListenAddress;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Where a device model plugs in: the {@code irqsim serve} it connects to, the guest and the guest PCI
 * slot. Shared by {@code irqsim devmodel} and {@code irqsim vfio-user plug}.
 */
final class GuestSlot {

    @Option(names = "--connect", paramLabel = "ADDRESS", required = true, converter = ListenAddressConverter.class,
        description = "The irqsim device-model server ('irqsim serve'): tcp:HOST:PORT, tcp::PORT (loopback) or unix:PATH.")
    ListenAddress connect;

    @Option(names = "--domain", paramLabel = "NAME", defaultValue = "domU",
        description = "The guest to plug into (default: ${DEFAULT-VALUE}).")
    String domain;

    @Option(names = "--slot", paramLabel = "N", defaultValue = "6",
        description = "The guest PCI slot, 1..31 (default: ${DEFAULT-VALUE}).")
    int slot;

    /**
     * Refuses a slot outside 1..31.
     *
     * @param spec the command, for the usage error
     */
    void validate(final CommandLine.Model.CommandSpec spec) {
        if (slot < 1 || slot > 31) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--slot " + slot + " is not 1..31");
        }
    }
}
