package io.irqsim.hw.firmware.acpi;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The ACPI namespace (ACPI 6.5, 5.3) built from the DSDT and the SSDTs, with the objects ACPICA
 * predefines at its root ({@code \_GPE}, {@code \_PR}, {@code \_SB}, {@code \_SI}, {@code \_TZ},
 * {@code \_REV}, {@code \_OS}, {@code \_GL}, {@code \_OSI}: ACPICA {@code utglobal.c}
 * {@code AcpiGbl_PreDefinedNames}).
 *
 * <p>Names are held in the internal form {@code "\\_SB_.PCI0"}, {@code "^^ABCD"}, {@code "ABCD.EFGH"}:
 * an optional root or parent prefix, then four-character segments joined by dots.
 */
public final class AmlNamespace {

    /** The Windows versions ACPICA's {@code _OSI} answers yes to (ACPICA {@code utosi.c}, as Linux runs it). */
    static final List<String> OSI_YES = List.of("Windows 2000", "Windows 2001", "Windows 2001 SP1",
        "Windows 2001.1", "Windows 2001 SP2", "Windows 2001.1 SP1", "Windows 2006", "Windows 2006.1",
        "Windows 2006 SP1", "Windows 2006 SP2", "Windows 2009", "Windows 2012", "Windows 2013", "Windows 2015",
        "Windows 2016", "Windows 2017", "Windows 2017.2", "Windows 2018", "Windows 2018.2", "Windows 2019",
        "Windows 2020", "Windows 2021", "Windows 2022", "Module Device", "Processor Device", "3.0 Thermal Model",
        "3.0 _SCP Extensions", "Processor Aggregator Device", "Extended Address Space Descriptor");

    private final AmlNode root = new AmlNode("\\", null, new AmlObject.Named(AmlObject.Named.Kind.SCOPE));

    /** A namespace holding only the predefined objects. */
    public AmlNamespace() {
        for (final String s : new String[] {"_GPE", "_PR_", "_SB_", "_SI_", "_TZ_"}) {
            root.addChild(s, new AmlObject.Named(AmlObject.Named.Kind.SCOPE));
        }
        root.addChild("_REV", new AmlObject.Int(2));
        root.addChild("_OS_", new AmlObject.Str("Microsoft Windows NT"));
        root.addChild("_GL_", new AmlObject.Named(AmlObject.Named.Kind.MUTEX));
        root.addChild("_OSI", new AmlObject.NativeMethod(1, args -> {
            final AmlObject a = args.isEmpty() ? null : args.get(0);
            final boolean yes = a instanceof AmlObject.Str s && OSI_YES.contains(s.value());
            return new AmlObject.Int(yes ? 0xFFFFFFFFL : 0);
        }));
    }

    /** @return the root */
    public AmlNode root() {
        return root;
    }

    /**
     * Resolves a name as AML does (ACPI 6.5, 5.3: a single segment without prefix is searched
     * for in the scope and then each parent up to the root; anything else is exact).
     *
     * @param name internal-form name
     * @param scope where the name appears
     * @return the node (alias not followed), or {@code null}
     */
    public AmlNode lookup(final String name, final AmlNode scope) {
        if (name.isEmpty()) {
            return null;
        }
        AmlNode at = scope;
        int i = 0;
        if (name.charAt(0) == '\\') {
            at = root;
            i = 1;
        } else {
            while (i < name.length() && name.charAt(i) == '^') {
                if (at.parent() != null) {
                    at = at.parent();
                }
                i++;
            }
        }
        final String rest = name.substring(i);
        if (rest.isEmpty()) {
            return at;
        }
        final String[] segs = rest.split("\\.");
        if (segs.length == 1 && i == 0) {
            for (AmlNode s = at; s != null; s = s.parent()) {
                final AmlNode n = s.child(segs[0]);
                if (n != null) {
                    return n;
                }
            }
            return null;
        }
        for (final String seg : segs) {
            at = at.target().child(seg);
            if (at == null) {
                return null;
            }
        }
        return at;
    }

    /**
     * Creates a node, or returns the existing one when it only holds an {@code External} declaration.
     *
     * @param name internal-form name
     * @param scope where the declaration appears
     * @param object what it holds
     * @return the new node, or {@code null} when a node of that name already exists (ACPICA's
     *     {@code AE_ALREADY_EXISTS}: the first definition stays)
     * @throws IllegalArgumentException if the parent path does not exist
     */
    AmlNode create(final String name, final AmlNode scope, final AmlObject object) {
        final int dot = name.lastIndexOf('.');
        String parentName;
        String seg;
        if (dot >= 0) {
            parentName = name.substring(0, dot);
            seg = name.substring(dot + 1);
        } else {
            int i = 0;
            while (i < name.length() && (name.charAt(i) == '\\' || name.charAt(i) == '^')) {
                i++;
            }
            parentName = name.substring(0, i);
            seg = name.substring(i);
        }
        final AmlNode parent = parentName.isEmpty() ? scope : exact(parentName, scope);
        if (parent == null) {
            throw new IllegalArgumentException("the scope of " + name + " does not exist");
        }
        final AmlNode p = parent.target();
        final AmlNode existing = p.child(seg);
        if (existing != null) {
            if (existing.object() instanceof AmlObject.ExternalDecl) {
                existing.setObject(object);
                return existing;
            }
            return null;
        }
        return p.addChild(seg, object);
    }

    private AmlNode exact(final String name, final AmlNode scope) {
        if (name.indexOf('.') < 0 && name.charAt(0) != '\\' && name.charAt(0) != '^') {
            final AmlNode n = scope.target().child(name);
            return n != null ? n : lookup(name, scope);
        }
        return lookup(name, scope);
    }

    /**
     * @param path an absolute path as {@link AmlNode#path()} prints it, e.g. {@code \_SB.PCI0}
     * @return the node, or {@code null}
     */
    public AmlNode find(final String path) {
        return lookup(internal(path), root);
    }

    /**
     * @param path {@code \_SB.PCI0} style
     * @return {@code \_SB_.PCI0} style
     */
    static String internal(final String path) {
        final StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < path.length() && (path.charAt(i) == '\\' || path.charAt(i) == '^')) {
            sb.append(path.charAt(i++));
        }
        final String rest = path.substring(i);
        if (!rest.isEmpty()) {
            final List<String> segs = new ArrayList<>();
            for (final String s : rest.split("\\.")) {
                segs.add((s + "____").substring(0, 4));
            }
            sb.append(String.join(".", segs));
        }
        return sb.toString();
    }

    /**
     * Visits every node depth-first in creation order.
     *
     * @param visitor called for each node below the root
     */
    public void walk(final Consumer<AmlNode> visitor) {
        walk(root, visitor);
    }

    private static void walk(final AmlNode n, final Consumer<AmlNode> visitor) {
        for (final AmlNode c : n.children()) {
            visitor.accept(c);
            walk(c, visitor);
        }
    }
}
