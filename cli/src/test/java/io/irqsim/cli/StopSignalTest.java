package io.irqsim.cli;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@code irqsim serve} exits with when it is stopped by SIGTERM, in a process of its own,
 * against what its --help says (143: 128 + 15, the JVM's status for the signal, as a shell
 * reports it). Bounded: 60 s to boot and listen, 30 s to stop.
 */
class StopSignalTest {

    @Test
    void serveStoppedBySigtermExits143AsItsHelpSays() throws Exception {
        final StringWriter help = new StringWriter();
        final picocli.CommandLine cl = ServeCommandTest.cli();
        cl.setOut(new PrintWriter(help));
        cl.execute("serve", "--help");
        assertTrue(help.toString().replaceAll("\\s+", " ").contains("143 by SIGTERM"), help.toString());

        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
            Main.class.getName(), "serve", "--listen", "tcp:127.0.0.1:0")).redirectErrorStream(true).start();
        try {
            final CompletableFuture<String> listening = new CompletableFuture<>();
            final Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                    String line;
                    final StringBuilder all = new StringBuilder();
                    while ((line = r.readLine()) != null) {
                        all.append(line).append('\n');
                        if (line.contains("listening on")) {
                            listening.complete(all.toString());
                        }
                    }
                    listening.complete(all.toString());
                } catch (final java.io.IOException e) {
                    listening.completeExceptionally(e);
                }
            }, "serve-output");
            reader.setDaemon(true);
            reader.start();
            final String out = listening.get(60, TimeUnit.SECONDS);
            assertTrue(out.contains("listening on tcp:127.0.0.1:"), out);
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stopped");
            assertEquals(143, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }
}
