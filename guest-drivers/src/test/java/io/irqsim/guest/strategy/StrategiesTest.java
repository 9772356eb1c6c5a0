package io.irqsim.guest.strategy;

import io.irqsim.guest.linux.PcistubVariant;
import io.irqsim.guest.linux.PcistubVariants;
import io.irqsim.guest.toolstack.IrqFlow;
import io.irqsim.guest.toolstack.IrqFlows;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.HwdomGsiMapPolicies;
import io.irqsim.hv.policy.HwdomGsiMapPolicy;
import io.irqsim.hv.policy.IrqPermissionPolicy;
import io.irqsim.hv.policy.PvhPhysdevAccess;
import io.irqsim.hv.policy.UnconfiguredGsiPolicy;
import io.irqsim.hv.policy.XenConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The designs of the seed thread as named strategies: docs/strategies.md is the specification. */
class StrategiesTest {

    /** The names in the order of docs/strategies.md's matrix (the thread's order). */
    private static final List<String> DOC_ORDER = List.of("pv-dom0", "xen-4.18", "status-quo", "pciback-unmask",
        "hwdom-map-any-write", "early-pirq-map", "default-level-low", "dom0-map-pirq-setup-gsi",
        "pciback-enable-device", "pciback-setup-gsi");

    private static Path docs() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("docs/strategies.md"))) {
            dir = dir.getParent();
        }
        assertNotNull(dir, "docs/strategies.md not found above the working directory");
        return dir.resolve("docs/strategies.md");
    }

    @Test
    void namesFollowTheThreadsOrder() {
        assertEquals(DOC_ORDER, List.copyOf(Strategies.names()));
        assertEquals(DOC_ORDER, Strategies.all().stream().map(Strategy::name).toList());
    }

    @Test
    void everyStrategyOfTheDocsMatrixExistsInItsOrder() throws IOException {
        // the rows of "## The matrix" in docs/strategies.md
        final List<String> rows = new ArrayList<>();
        final Pattern row = Pattern.compile("^\\| ([a-z][a-z0-9.-]*) \\|");
        boolean inMatrix = false;
        for (final String line : Files.readAllLines(docs())) {
            if (line.startsWith("## ")) {
                inMatrix = line.startsWith("## The matrix");
            }
            final Matcher m = row.matcher(line);
            if (inMatrix && m.find() && !m.group(1).equals("strategy")) {
                rows.add(m.group(1));
            }
        }
        assertEquals(List.copyOf(Strategies.names()), rows);
    }

    @Test
    void everyStrategyHasItsOwnSectionInTheDocs() throws IOException {
        final String text = Files.readString(docs());
        for (final String name : Strategies.names()) {
            assertFalse(text.indexOf("### `" + name + "`") < 0, "no section for " + name);
        }
    }

    @Test
    void byNameFindsEachStrategyAndNothingElse() {
        for (final Strategy s : Strategies.all()) {
            assertSame(s, Strategies.byName(s.name()));
        }
        assertNull(Strategies.byName("no-such-design"));
        assertNull(Strategies.byName(""));
        assertNull(Strategies.byName("PV-DOM0"), "names are case-sensitive");
    }

    @Test
    void theListsCannotBeChanged() {
        assertThrows(UnsupportedOperationException.class, () -> Strategies.names().add("x"));
        assertThrows(UnsupportedOperationException.class, () -> Strategies.all().clear());
    }

    @Test
    void everyStrategyIsDescribed() {
        for (final Strategy s : Strategies.all()) {
            assertFalse(s.summary().isBlank(), s.name());
            assertFalse(s.threadSays().isBlank(), s.name());
            assertEquals(s.name(), s.xen().name(), "the Xen config is named after the strategy");
        }
    }

    // ------------------------------------------------------------------ the variation points

    static Stream<Arguments> variationPoints() {
        final HwdomGsiMapPolicy onUnmask = HwdomGsiMapPolicies.ON_UNMASK;
        final UnconfiguredGsiPolicy none = UnconfiguredGsiPolicy.NONE;
        final IrqPermissionPolicy pirq = IrqPermissionPolicy.PIRQ;
        final PvhPhysdevAccess rfc = PvhPhysdevAccess.RFC_SERIES;
        final IrqFlow gsiIrqPerm = IrqFlows.GSI_IRQ_PERMISSION;
        return Stream.of(
            // name, dom0, pciback, toolstack, new, (1) hwdom GSI map, (2) unconfigured GSI, (3) PVH physdev,
            //   (4) irq_permission resolution, gsi_permission available
            Arguments.of("pv-dom0", DomainType.PV, PcistubVariants.ENABLE_ONLY, IrqFlows.SYSFS_IRQ, false,
                onUnmask, none, PvhPhysdevAccess.XEN_4_18, pirq, false),
            Arguments.of("xen-4.18", DomainType.PVH, PcistubVariants.ENABLE_ONLY, IrqFlows.SYSFS_IRQ, false,
                onUnmask, none, PvhPhysdevAccess.XEN_4_18, pirq, false),
            Arguments.of("status-quo", DomainType.PVH, PcistubVariants.ENABLE_ONLY, gsiIrqPerm, false,
                onUnmask, none, rfc, pirq, false),
            Arguments.of("pciback-unmask", DomainType.PVH, PcistubVariants.UNMASK_IRQ, gsiIrqPerm, false,
                onUnmask, none, rfc, pirq, false),
            Arguments.of("hwdom-map-any-write", DomainType.PVH, PcistubVariants.ENABLE_ONLY, gsiIrqPerm, false,
                HwdomGsiMapPolicies.ON_ANY_WRITE, none, rfc, pirq, false),
            Arguments.of("early-pirq-map", DomainType.PVH, PcistubVariants.ENABLE_ONLY, gsiIrqPerm, false,
                HwdomGsiMapPolicies.PIRQ_EARLY, none, rfc, pirq, false),
            Arguments.of("default-level-low", DomainType.PVH, PcistubVariants.ENABLE_ONLY, gsiIrqPerm, false,
                onUnmask, UnconfiguredGsiPolicy.LEVEL_LOW, rfc, IrqPermissionPolicy.HWDOM_GSI_FALLBACK, false),
            Arguments.of("dom0-map-pirq-setup-gsi", DomainType.PVH, PcistubVariants.MAP_PIRQ_AND_SETUP_GSI, gsiIrqPerm,
                true, onUnmask, none, PvhPhysdevAccess.XEN_4_20, pirq, false),
            Arguments.of("pciback-enable-device", DomainType.PVH, PcistubVariants.PCIBIOS_ENABLE_DEVICE, gsiIrqPerm,
                false, onUnmask, none, rfc, pirq, false),
            Arguments.of("pciback-setup-gsi", DomainType.PVH, PcistubVariants.SETUP_GSI, IrqFlows.GSI_PERMISSION, true,
                onUnmask, none, PvhPhysdevAccess.XEN_4_20, pirq, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variationPoints")
    void strategyPlugsTheDocumentedChoicesIntoTheVariationPoints(final String name, final DomainType dom0,
            final PcistubVariant pciback, final IrqFlow toolstack, final boolean newInterface,
            final HwdomGsiMapPolicy hwdomGsiMap, final UnconfiguredGsiPolicy unconfigured,
            final PvhPhysdevAccess physdev, final IrqPermissionPolicy irqPermission, final boolean gsiPermission) {
        final Strategy s = Strategies.byName(name);
        assertNotNull(s, name);
        assertEquals(dom0, s.dom0Type(), "dom0 flavour");
        assertSame(pciback, s.pciback(), "pciback (variation point 5): " + s.pciback().describe());
        assertSame(toolstack, s.toolstack(), "toolstack flow (variation point 4): " + s.toolstack().describe());
        assertEquals(newInterface, s.newInterface(), "new interface");
        final XenConfig x = s.xen();
        assertSame(hwdomGsiMap, x.hwdomGsiMap(), "variation point 1");
        assertSame(unconfigured, x.unconfiguredGsi(), "variation point 2");
        assertEquals(physdev, x.pvhPhysdev(), "variation point 3");
        assertSame(irqPermission, x.irqPermission(), "variation point 4 (irq_permission)");
        assertEquals(gsiPermission, x.gsiPermission(), "variation point 4 (gsi_permission exists)");
    }

    @Test
    void theTableCoversEveryStrategy() {
        assertEquals(DOC_ORDER, variationPoints().map(a -> (String) a.get()[0]).toList());
    }
}
