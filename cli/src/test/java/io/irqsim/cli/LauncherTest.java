package io.irqsim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code irqsim} launcher script finds its checkout through symbolic links, so it works when
 * linked onto PATH. It runs in a copy of the checkout's shape: the script, an up-to-date jar (no
 * sources, so nothing is stale and nothing is built) and a {@code java} on PATH that only prints
 * its arguments.
 */
class LauncherTest {

    @TempDir
    Path dir;

    private String launch(final Path command) throws Exception {
        final Path checkout = dir.resolve("checkout");
        final Path bin = dir.resolve("bin");
        Files.createDirectories(checkout.resolve("cli/target"));
        Files.createDirectories(bin);
        Files.copy(Path.of("..", "irqsim"), checkout.resolve("irqsim"));
        Files.writeString(checkout.resolve("cli/target/irqsim.jar"), "not a jar");
        Files.writeString(bin.resolve("java"), "#!/bin/sh\necho \"java $*\"\n");
        for (final Path p : new Path[] {checkout.resolve("irqsim"), bin.resolve("java")}) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        final ProcessBuilder pb = new ProcessBuilder("bash", command.toString(), "--version").redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.directory(dir.toFile());
        final Process p = pb.start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the launcher did not finish");
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out.trim();
    }

    @Test
    void runsTheCheckoutsJarWhenCalledDirectly() throws Exception {
        final String out = launch(dir.resolve("checkout/irqsim"));
        assertEquals("java -jar " + dir.toRealPath().resolve("checkout/cli/target/irqsim.jar") + " --version", out);
    }

    @Test
    void runsTheCheckoutsJarThroughAChainOfSymlinks() throws Exception {
        Files.createDirectories(dir.resolve("checkout"));
        final Path onPath = Files.createDirectories(dir.resolve("home/.local/bin"));
        final Path middle = Files.createDirectories(dir.resolve("links"));
        // a relative link to the script, and an absolute link to that link
        Files.createSymbolicLink(middle.resolve("irqsim"), Path.of("../checkout/irqsim"));
        Files.createSymbolicLink(onPath.resolve("irqsim"), middle.resolve("irqsim"));
        final String out = launch(onPath.resolve("irqsim"));
        assertEquals("java -jar " + dir.toRealPath().resolve("checkout/cli/target/irqsim.jar") + " --version", out);
    }
}
