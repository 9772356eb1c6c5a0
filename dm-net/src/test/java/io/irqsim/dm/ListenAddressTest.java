package io.irqsim.dm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ListenAddressTest {

    @Test
    void tcpForms() {
        final ListenAddress full = ListenAddress.parse("tcp:0.0.0.0:4444");
        assertFalse(full.isUnix());
        assertEquals("0.0.0.0", full.host());
        assertEquals(4444, full.port());
        assertEquals("tcp:0.0.0.0:4444", full.toString());

        final ListenAddress noHost = ListenAddress.parse("tcp::4444");
        assertNull(noHost.host());
        assertEquals(InetAddress.getLoopbackAddress(), noHost.tcpAddress().getAddress());
        assertEquals(ListenAddress.parse("tcp:4444"), noHost);

        final ListenAddress v6 = ListenAddress.parse("tcp:[::1]:0");
        assertEquals("::1", v6.host());
        assertEquals(0, v6.port());
        assertEquals("tcp:[::1]:0", v6.toString());
    }

    @Test
    void unixForm() {
        final ListenAddress a = ListenAddress.parse("unix:/tmp/q.sock");
        assertTrue(a.isUnix());
        assertEquals(Path.of("/tmp/q.sock"), a.unixPath());
        assertEquals("unix:/tmp/q.sock", a.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "4444", "tcp:", "tcp:host:", "tcp:host:port", "tcp:host:65536", "tcp:host:-1",
        "tcp:host:+1", "tcp:::1:4444", "unix:", "udp:1:2", "TCP:1"})
    void rejects(final String spec) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ListenAddress.parse(spec));
        assertTrue(e.getMessage().contains("'" + spec + "'"), e.getMessage());
    }

    @Test
    void everyAddressButLoopbackAndUnixGetsTheExposureWarning() {
        org.junit.jupiter.api.Assertions.assertEquals("warning: tcp:0.0.0.0:4444 is reachable from other hosts, and the"
            + " protocol has no authentication", ListenAddress.parse("tcp:0.0.0.0:4444").exposureWarning());
        org.junit.jupiter.api.Assertions.assertEquals("warning: tcp:[::]:4444 is reachable from other hosts, and the"
            + " protocol has no authentication", ListenAddress.parse("tcp:[::]:4444").exposureWarning());
        for (final String quiet : new String[] {"tcp::4444", "tcp:4444", "tcp:127.0.0.1:4444", "tcp:[::1]:4444",
            "unix:/tmp/x.sock"}) {
            org.junit.jupiter.api.Assertions.assertNull(ListenAddress.parse(quiet).exposureWarning(), quiet);
        }
    }

    // the bound address is printed as the user wrote the host, with the port the system chose
    @Test
    void aBoundAddressKeepsTheHostAsWrittenAndShowsThePortChosen() throws Exception {
        assertEquals("tcp:[::]:40123", ListenAddress.parse("tcp:[::]:0")
            .bound(new java.net.InetSocketAddress(InetAddress.getByName("::"), 40123)));
        assertEquals("tcp:0.0.0.0:5940", ListenAddress.parse("tcp:0.0.0.0:5940")
            .bound(new java.net.InetSocketAddress(InetAddress.getByName("0.0.0.0"), 5940)));
        assertEquals("tcp:127.0.0.1:7", ListenAddress.parse("tcp::0")
            .bound(new java.net.InetSocketAddress(InetAddress.getByName("127.0.0.1"), 7)));
        assertEquals("unix:/tmp/dm.sock", ListenAddress.parse("unix:/tmp/dm.sock").bound(null));
    }
}
