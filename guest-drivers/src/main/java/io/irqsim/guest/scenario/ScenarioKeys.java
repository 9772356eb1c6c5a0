package io.irqsim.guest.scenario;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every key the scenario format accepts, per mapping. A mapping is named by a path template:
 * list items add {@code []}, the values of a mapping with free keys (the {@code _PRT} per bus) add
 * {@code .*}, the root is {@code ""}. The loader rejects any other key and cannot read one that is
 * not listed here; a test compares this table with the JSON Schema's {@code properties}.
 */
final class ScenarioKeys {

    static final String ROOT = "";
    static final String PLATFORM = "platform";
    static final String CPU = "platform.cpus[]";
    static final String IOAPIC = "platform.ioapics[]";
    static final String PCI = "platform.pci[]";
    static final String WIRING = "platform.wiring";
    static final String INTX = "platform.wiring.intx[]";
    static final String ISA = "platform.wiring.isa[]";
    static final String FIRMWARE = "firmware";
    static final String OVERRIDE = "firmware.overrides[]";
    static final String PRT_ENTRY = "firmware.prt.*[]";
    static final String LINK = "firmware.links[]";
    static final String DOM0 = "dom0";
    static final String GUEST = "guests[]";
    static final String PASSTHROUGH = "guests[].passthrough[]";
    static final String VFIO_USER = "guests[].vfioUser[]";
    static final String TRAFFIC = "traffic[]";
    static final String EXPECT = "expect";

    /** Template &rarr; accepted keys, in documentation order. */
    static final Map<String, List<String>> KEYS;

    static {
        final Map<String, List<String>> m = new LinkedHashMap<>();
        m.put(ROOT, List.of("name", "description", "strategy", "platform", "firmware", "dom0", "guests", "traffic",
            "expect"));
        m.put(PLATFORM, List.of("apicv", "cpus", "directedEoi", "ioapics", "pci", "wiring"));
        m.put(CPU, List.of("apicId"));
        m.put(IOAPIC, List.of("id", "address", "gsiBase", "pins", "version"));
        m.put(PCI, List.of("bdf", "name", "vendor", "device", "class", "pin", "bridgeTo"));
        m.put(WIRING, List.of("intx", "isa"));
        m.put(INTX, List.of("slot", "pin", "gsi", "kind"));
        m.put(ISA, List.of("irq", "gsi", "kind"));
        m.put(FIRMWARE, List.of("overrides", "prt", "links", "sciGsi", "acpidump", "fields", "ioapicPins"));
        m.put(OVERRIDE, List.of("irq", "gsi", "trigger", "polarity"));
        m.put(PRT_ENTRY, List.of("device", "pin", "link", "gsi"));
        m.put(LINK, List.of("name", "possible", "trigger", "polarity", "shareable", "extended", "current"));
        m.put(DOM0, List.of("type", "vcpus", "drivers"));
        m.put(GUEST, List.of("name", "vcpus", "passthrough", "hvmPirq", "vfioUser"));
        m.put(PASSTHROUGH, List.of("device", "slot"));
        m.put(VFIO_USER, List.of("socket", "slot", "interrupts", "irq"));
        m.put(TRAFFIC, List.of("device", "count", "intervalNs"));
        m.put(EXPECT, List.of("attach", "delivered", "spurious", "boundToDom0", "physicalTrigger",
            "physicalPolarity"));
        KEYS = Collections.unmodifiableMap(m);
    }

    private ScenarioKeys() {
    }

    /**
     * @param template a mapping's template
     * @return its keys
     * @throws IllegalArgumentException for an unknown template (a loader bug)
     */
    static List<String> of(final String template) {
        final List<String> keys = KEYS.get(template);
        if (keys == null) {
            throw new IllegalArgumentException("no such scenario mapping: '" + template + "'");
        }
        return keys;
    }
}
