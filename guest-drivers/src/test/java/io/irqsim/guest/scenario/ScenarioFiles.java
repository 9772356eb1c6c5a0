package io.irqsim.guest.scenario;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** Where the repository's scenario files and docs are, and the strategy names tests use. */
final class ScenarioFiles {

    /** The strategy names of spec/strategies.md. */
    static final Set<String> STRATEGIES = Set.of("pv-dom0", "status-quo", "xen-4.18", "pciback-unmask",
        "hwdom-map-any-write", "early-pirq-map", "default-level-low", "dom0-map-pirq-setup-gsi",
        "pciback-enable-device", "pciback-setup-gsi");

    /** The example files in scenarios/. */
    static final List<String> EXAMPLES = List.of("default", "bridge", "shared-gsi", "firmware-edge-high", "pv-dom0",
        "active-high-line", "million");

    private ScenarioFiles() {
    }

    /** @return the repository root: the first directory upwards from the working directory with scenarios/ and docs/ */
    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isDirectory(dir.resolve("scenarios")) && Files.isDirectory(dir.resolve("docs"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("no scenarios/ and docs/ above " + Path.of("").toAbsolutePath());
    }

    /**
     * @param name example name without .yaml
     * @return its path
     */
    static Path example(final String name) {
        return root().resolve("scenarios").resolve(name + ".yaml");
    }
}
