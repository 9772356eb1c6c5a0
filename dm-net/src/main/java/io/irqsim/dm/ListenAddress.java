package io.irqsim.dm;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a server listens or a client connects (the qtest and device-model servers, their
 * clients): {@code tcp:HOST:PORT}, {@code tcp::PORT} or {@code tcp:PORT} (loopback when HOST is
 * omitted; IPv6 hosts in brackets, {@code tcp:[::1]:4444}), or {@code unix:PATH}. PORT 0 picks a
 * free port.
 *
 * @param unixPath the socket file for a Unix address, {@code null} for TCP
 * @param host the host to bind for TCP ({@code null} = loopback), unused for Unix
 * @param port the TCP port, unused for Unix
 */
public record ListenAddress(Path unixPath, String host, int port) {

    /**
     * Parses an address.
     *
     * @param spec {@code tcp:HOST:PORT}, {@code tcp::PORT}, {@code tcp:PORT} or {@code unix:PATH}
     * @return the address
     * @throws IllegalArgumentException with the reason if {@code spec} is malformed
     */
    public static ListenAddress parse(final String spec) {
        Objects.requireNonNull(spec, "spec");
        if (spec.startsWith("unix:")) {
            final String path = spec.substring(5);
            if (path.isEmpty()) {
                throw new IllegalArgumentException("'" + spec + "': unix: needs a socket path, e.g. unix:/tmp/irqsim-qtest.sock");
            }
            return new ListenAddress(Path.of(path), null, 0);
        }
        if (spec.startsWith("tcp:")) {
            final String rest = spec.substring(4);
            final int colon = rest.lastIndexOf(':');
            String host = colon < 0 ? "" : rest.substring(0, colon);
            final String portText = colon < 0 ? rest : rest.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.contains(":") && !rest.startsWith("[")) {
                throw new IllegalArgumentException("'" + spec + "': write an IPv6 host in brackets, e.g. tcp:[::1]:4444");
            }
            final int port;
            try {
                port = Integer.parseInt(portText);
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("'" + spec + "': port '" + portText + "' is not a number"
                    + " (tcp:HOST:PORT, tcp::PORT or tcp:PORT)");
            }
            if (port < 0 || port > 0xFFFF || portText.startsWith("+")) {
                throw new IllegalArgumentException("'" + spec + "': port " + portText + " is not 0..65535");
            }
            return new ListenAddress(null, host.isEmpty() ? null : host, port);
        }
        throw new IllegalArgumentException("'" + spec + "': expected tcp:HOST:PORT, tcp::PORT or unix:PATH");
    }

    /** @return whether this is a Unix socket address */
    public boolean isUnix() {
        return unixPath != null;
    }

    /** @return the TCP socket address to bind (loopback when no host was given); resolves the host */
    public InetSocketAddress tcpAddress() {
        return host == null ? new InetSocketAddress(InetAddress.getLoopbackAddress(), port)
            : new InetSocketAddress(host, port);
    }

    /**
     * This address once bound, in {@code --listen} syntax: the host as it was given ({@code ::}
     * stays {@code ::}, where Java would spell it {@code 0:0:0:0:0:0:0:0}), or the bound one when
     * none was; the port as bound (port 0 shows the one chosen). A Unix socket is its path.
     *
     * @param local the listening channel's local address
     * @return e.g. {@code tcp:[::1]:40123}, {@code tcp:127.0.0.1:5940}, {@code unix:/tmp/dm.sock}
     */
    public String bound(final java.net.SocketAddress local) {
        if (local instanceof InetSocketAddress inet) {
            final String h = host != null ? host : inet.getAddress().getHostAddress();
            return "tcp:" + (h.contains(":") ? "[" + h + "]" : h) + ":" + inet.getPort();
        }
        return toString();
    }

    @Override
    public String toString() {
        if (isUnix()) {
            return "unix:" + unixPath;
        }
        final String h = host == null ? "" : host.contains(":") ? "[" + host + "]" : host;
        return "tcp:" + h + ":" + port;
    }

    /**
     * The warning a server prints before listening here: a TCP address that is not a loopback one
     * (a host's address, {@code 0.0.0.0}, {@code ::}) lets other hosts connect, and neither protocol
     * authenticates a peer.
     *
     * @return the warning, or {@code null} for a loopback or Unix address
     */
    public String exposureWarning() {
        if (isUnix()) {
            return null;
        }
        final InetSocketAddress tcp = tcpAddress();
        if (tcp.isUnresolved() || tcp.getAddress().isLoopbackAddress()) {
            return null;
        }
        return "warning: " + this + " is reachable from other hosts, and the protocol has no authentication";
    }
}
