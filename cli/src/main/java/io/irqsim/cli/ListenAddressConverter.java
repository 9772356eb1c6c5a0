package io.irqsim.cli;

import io.irqsim.dm.ListenAddress;
import picocli.CommandLine;

/**
 * Parses a socket address option ({@code --listen}, {@code --connect}, {@code --devmodel}) with
 * {@link ListenAddress#parse}; a malformed address is a usage error (exit status 2).
 */
final class ListenAddressConverter implements CommandLine.ITypeConverter<ListenAddress> {
    @Override
    public ListenAddress convert(final String value) {
        try {
            return ListenAddress.parse(value);
        } catch (final IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
