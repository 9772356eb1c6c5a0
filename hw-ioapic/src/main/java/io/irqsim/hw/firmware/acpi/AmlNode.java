package io.irqsim.hw.firmware.acpi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node of the ACPI namespace (ACPI 6.5, 5.3): a four-character name segment, its parent,
 * its children in creation order, and the object it holds.
 */
public final class AmlNode {

    private final String name;
    private final AmlNode parent;
    private final Map<String, AmlNode> children = new LinkedHashMap<>();
    private AmlObject object;
    private AmlNode aliasOf;

    AmlNode(final String name, final AmlNode parent, final AmlObject object) {
        this.name = name;
        this.parent = parent;
        this.object = object;
    }

    /** @return the four-character segment ({@code "\\"} for the root) */
    public String name() {
        return name;
    }

    /** @return the parent, {@code null} for the root */
    public AmlNode parent() {
        return parent;
    }

    /** @return the object held (after following an alias) */
    public AmlObject object() {
        return aliasOf != null ? aliasOf.object() : object;
    }

    void setObject(final AmlObject o) {
        if (aliasOf != null) {
            aliasOf.setObject(o);
        } else {
            object = o;
        }
    }

    void aliasTo(final AmlNode target) {
        this.aliasOf = target;
    }

    /** @return the node an alias names, or this node */
    public AmlNode target() {
        return aliasOf != null ? aliasOf.target() : this;
    }

    /**
     * @param seg a four-character segment
     * @return the child, or {@code null}
     */
    public AmlNode child(final String seg) {
        return children.get(seg);
    }

    /** @return the children in creation order */
    public List<AmlNode> children() {
        return new ArrayList<>(children.values());
    }

    AmlNode addChild(final String seg, final AmlObject o) {
        final AmlNode n = new AmlNode(seg, this, o);
        children.put(seg, n);
        return n;
    }

    void removeChild(final String seg) {
        children.remove(seg);
    }

    /**
     * @return the absolute path as {@code iasl -d} and Linux print it: {@code \_SB.PCI0}, each
     *     segment's trailing underscores trimmed
     */
    public String path() {
        if (parent == null) {
            return "\\";
        }
        final String p = parent.path();
        return (p.equals("\\") ? "\\" : p + ".") + trim(name);
    }

    static String trim(final String seg) {
        int end = seg.length();
        while (end > 1 && seg.charAt(end - 1) == '_') {
            end--;
        }
        return seg.substring(0, end);
    }

    @Override
    public String toString() {
        return path();
    }
}
