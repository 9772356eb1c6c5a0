package io.irqsim.dm.qtest;

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

class QtestAddressTest {

    @Test
    void tcpForms() {
        final QtestAddress full = QtestAddress.parse("tcp:0.0.0.0:4444");
        assertFalse(full.isUnix());
        assertEquals("0.0.0.0", full.host());
        assertEquals(4444, full.port());
        assertEquals("tcp:0.0.0.0:4444", full.toString());

        final QtestAddress noHost = QtestAddress.parse("tcp::4444");
        assertNull(noHost.host());
        assertEquals(InetAddress.getLoopbackAddress(), noHost.tcpAddress().getAddress());
        assertEquals(QtestAddress.parse("tcp:4444"), noHost);

        final QtestAddress v6 = QtestAddress.parse("tcp:[::1]:0");
        assertEquals("::1", v6.host());
        assertEquals(0, v6.port());
        assertEquals("tcp:[::1]:0", v6.toString());
    }

    @Test
    void unixForm() {
        final QtestAddress a = QtestAddress.parse("unix:/tmp/q.sock");
        assertTrue(a.isUnix());
        assertEquals(Path.of("/tmp/q.sock"), a.unixPath());
        assertEquals("unix:/tmp/q.sock", a.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "4444", "tcp:", "tcp:host:", "tcp:host:port", "tcp:host:65536", "tcp:host:-1",
        "tcp:host:+1", "tcp:::1:4444", "unix:", "udp:1:2", "TCP:1"})
    void rejects(final String spec) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QtestAddress.parse(spec));
        assertTrue(e.getMessage().contains("'" + spec + "'"), e.getMessage());
    }
}
