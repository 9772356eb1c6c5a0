package io.irqsim.hw.firmware.acpi;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An AML interpreter (ACPI 6.5, chapter 20 grammar; chapter 19 semantics), written for what Linux
 * needs to route PCI INTx: it loads definition blocks into an {@link AmlNamespace} (executing
 * module-level code as ACPICA does since it loads tables as methods) and evaluates control methods
 * such as {@code _PRT}, {@code _CRS} and {@code _PIC}.
 *
 * <p>There is no hardware behind it: a read of an OperationRegion field gives the value the
 * scenario supplies for that field's path, else the last value AML wrote to it, else zero, and the
 * evaluation records it (see {@link #defaultedReads()}). Errors are {@link AmlException}s naming
 * the table and offset; a bad statement in module-level code is skipped by its PkgLength where the
 * grammar has one (else the rest of its scope), and becomes a warning.
 */
public final class AmlInterpreter {

    /** ACPICA's {@code ACPI_MAX_LOOP_ITERATIONS} before the timeout variant: a While that never ends. */
    static final int MAX_LOOP_ITERATIONS = 0xFFFF;
    /** Total opcodes one evaluation may run. */
    static final int MAX_STEPS = 2_000_000;
    /** Nested method calls. */
    static final int MAX_DEPTH = 64;

    private final AmlNamespace ns = new AmlNamespace();
    private final Map<String, Long> suppliedFields;
    private final Map<AmlNode, Long> writtenFields = new java.util.HashMap<>();
    private final Set<String> defaulted = new LinkedHashSet<>();
    private final List<String> warnings = new ArrayList<>();
    private final AmlExpressions expr;
    private boolean int32;
    private int steps;
    private int depth;

    /** Control flow out of a term list. */
    enum Flow { NORMAL, BREAK, CONTINUE, RETURN }

    /** One activation: a method's locals and args, or module-level code. */
    static final class Frame {
        final AmlObject[] locals = new AmlObject[8];
        final AmlObject[] args = new AmlObject[7];
        final List<AmlNode> created = new ArrayList<>();
        AmlNode scope;
        AmlObject result = new AmlObject.Int(0);
        final boolean method;

        Frame(final AmlNode scope, final boolean method) {
            this.scope = scope;
            this.method = method;
        }
    }

    /**
     * @param suppliedFields OperationRegion field values by path ({@code \_SB.PCI0.LPCB.PIRA}), for
     *     firmware whose routing depends on chipset registers
     */
    public AmlInterpreter(final Map<String, Long> suppliedFields) {
        this.suppliedFields = new TreeMap<>(suppliedFields);
        this.expr = new AmlExpressions(this);
    }

    /** @return the namespace */
    public AmlNamespace namespace() {
        return ns;
    }

    /** @return problems met while loading and evaluating, in order */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    boolean int32() {
        return int32;
    }

    /**
     * Loads a DSDT or SSDT: creates its named objects and runs its module-level code.
     *
     * @param t the table; a DSDT below revision 2 makes every integer 32 bits wide
     */
    public void load(final AcpiTable t) {
        if ("DSDT".equals(t.signature()) && t.revision() < 2) {
            int32 = true;
        }
        final Frame f = new Frame(ns.root(), false);
        steps = 0;
        final AmlStream s = new AmlStream(t, AcpiTable.HEADER_LENGTH);
        moduleLevel(f, s, t.bytes().length);
    }

    /** Runs a term list where errors skip a statement rather than abort the walk. */
    private void moduleLevel(final Frame f, final AmlStream s, final int end) {
        while (s.pos() < end) {
            final int start = s.pos();
            try {
                final Flow fl = execTerm(f, s, end, true);
                if (fl != Flow.NORMAL) {
                    return;
                }
            } catch (AmlException | StackOverflowError e) {
                warnings.add(e instanceof AmlException ? e.getMessage()
                    : s.table().label() + " at offset 0x" + Integer.toHexString(start) + ": nesting too deep");
                final int skip = lengthOf(s, start, end);
                if (skip < 0) {
                    warnings.add(String.format("%s: skipped the rest of the scope from offset 0x%x to 0x%x",
                        s.table().label(), start, end));
                    s.seek(end);
                    return;
                }
                s.seek(skip);
            }
        }
    }

    /** @return where the object at {@code start} ends, when its opcode carries a PkgLength; else -1 */
    private static int lengthOf(final AmlStream s, final int start, final int end) {
        try {
            s.seek(start);
            int op = s.u8(end);
            if (op == 0x5B) {
                op = 0x5B00 | s.u8(end);
            }
            return switch (op) {
                case 0x10, 0x11, 0x12, 0x13, 0x14, 0xA0, 0xA1, 0xA2, 0x5B81, 0x5B82, 0x5B83, 0x5B84, 0x5B85, 0x5B86,
                     0x5B87 -> s.pkgEnd(end);
                default -> -1;
            };
        } catch (AmlException e) {
            return -1;
        }
    }

    /**
     * Evaluates a named object as Linux's {@code acpi_evaluate_object} does: a method is run with
     * the arguments, any other object gives its value.
     *
     * @param path absolute path, e.g. {@code \_SB.PCI0._PRT}
     * @param args arguments
     * @return the value, or {@code null} if there is no such object
     * @throws AmlException if evaluation fails
     */
    public AmlObject evaluate(final String path, final AmlObject... args) {
        final AmlNode n = ns.find(path);
        return n == null ? null : evaluate(n, args);
    }

    /**
     * @param node a node
     * @param args arguments if it is a method
     * @return its value
     * @throws AmlException if evaluation fails
     */
    public AmlObject evaluate(final AmlNode node, final AmlObject... args) {
        steps = 0;
        depth = 0;
        try {
            final AmlObject o = node.object();
            if (o instanceof AmlObject.Method || o instanceof AmlObject.NativeMethod) {
                return invoke(node, List.of(args), null);
            }
            return value(node, null);
        } catch (StackOverflowError e) {
            throw new AmlException("evaluating " + node.path() + ": nesting too deep");
        }
    }

    /**
     * @return the OperationRegion fields read with no scenario value since the last
     *     {@link #clearDefaultedReads()}, by path
     */
    public Set<String> defaultedReads() {
        return Set.copyOf(defaulted);
    }

    /** Forgets the recorded default reads. */
    public void clearDefaultedReads() {
        defaulted.clear();
    }

    // ------------------------------------------------------------------ statements

    Flow execTermList(final Frame f, final AmlStream s, final int end) {
        while (s.pos() < end) {
            final Flow fl = execTerm(f, s, end, false);
            if (fl != Flow.NORMAL) {
                return fl;
            }
        }
        return Flow.NORMAL;
    }

    private Flow execTerm(final Frame f, final AmlStream s, final int end, final boolean module) {
        if (++steps > MAX_STEPS) {
            throw s.error("evaluation ran more than " + MAX_STEPS + " opcodes");
        }
        final int start = s.pos();
        final int op = s.peek(end);
        switch (op) {
            case 0x10 -> { // Scope
                s.u8(end);
                final int e = s.pkgEnd(end);
                final String name = s.nameString(e);
                AmlNode n = ns.lookup(name, f.scope);
                if (n == null) {
                    n = declare(f, s, start, name, new AmlObject.Named(AmlObject.Named.Kind.SCOPE));
                }
                return body(f, s, n, e, module);
            }
            case 0x08 -> { // Name
                s.u8(end);
                final String name = s.nameString(end);
                final AmlObject v = expr.evalTermArg(f, s, end);
                declare(f, s, start, name, v);
                return Flow.NORMAL;
            }
            case 0x14 -> { // Method
                s.u8(end);
                final int e = s.pkgEnd(end);
                final String name = s.nameString(e);
                final int flags = s.u8(e);
                final AmlNode n = declare(f, s, start, name, null);
                if (n != null) {
                    n.setObject(new AmlObject.Method(n, flags & 7, s.table(), s.pos(), e));
                }
                s.seek(e);
                return Flow.NORMAL;
            }
            case 0x06 -> { // Alias
                s.u8(end);
                final String src = s.nameString(end);
                final String alias = s.nameString(end);
                final AmlNode target = ns.lookup(src, f.scope);
                if (target == null) {
                    throw s.error(start, "Alias source " + src + " does not exist");
                }
                final AmlNode n = declare(f, s, start, alias, AmlObject.Uninitialized.INSTANCE);
                if (n != null) {
                    n.aliasTo(target);
                }
                return Flow.NORMAL;
            }
            case 0x15 -> { // External
                s.u8(end);
                final String name = s.nameString(end);
                final int type = s.u8(end);
                final int argc = s.u8(end);
                if (ns.lookup(name, f.scope) == null) {
                    try {
                        ns.create(name, f.scope, new AmlObject.ExternalDecl(type, argc & 7));
                    } catch (IllegalArgumentException e) {
                        // External of a name below a missing scope: nothing to hang it on, as ACPICA
                    }
                }
                return Flow.NORMAL;
            }
            case 0xA0 -> { // If
                s.u8(end);
                final int e = s.pkgEnd(end);
                final boolean taken = expr.evalInteger(f, s, e) != 0;
                Flow fl = Flow.NORMAL;
                if (taken) {
                    fl = module ? moduleBody(f, s, e) : execTermList(f, s, e);
                }
                s.seek(e);
                if (s.pos() < end && s.peek(end) == 0xA1) {
                    s.u8(end);
                    final int ee = s.pkgEnd(end);
                    if (!taken) {
                        fl = module ? moduleBody(f, s, ee) : execTermList(f, s, ee);
                    }
                    s.seek(ee);
                }
                return fl;
            }
            case 0xA1 -> { // Else without If: skip
                s.u8(end);
                s.seek(s.pkgEnd(end));
                return Flow.NORMAL;
            }
            case 0xA2 -> { // While
                s.u8(end);
                final int e = s.pkgEnd(end);
                final int predicate = s.pos();
                for (int i = 0; ; i++) {
                    if (i > MAX_LOOP_ITERATIONS) {
                        throw s.error(start, "While loop ran " + MAX_LOOP_ITERATIONS
                            + " times (waiting for hardware irqsim does not have?)");
                    }
                    s.seek(predicate);
                    if (expr.evalInteger(f, s, e) == 0) {
                        break;
                    }
                    final Flow fl = execTermList(f, s, e);
                    if (fl == Flow.BREAK) {
                        break;
                    }
                    if (fl == Flow.RETURN) {
                        return fl;
                    }
                }
                s.seek(e);
                return Flow.NORMAL;
            }
            case 0xA4 -> { // Return
                s.u8(end);
                f.result = expr.evalTermArg(f, s, end);
                return Flow.RETURN;
            }
            case 0xA5 -> {
                s.u8(end);
                return Flow.BREAK;
            }
            case 0x9F -> {
                s.u8(end);
                return Flow.CONTINUE;
            }
            case 0xA3, 0xCC -> { // Noop, BreakPoint
                s.u8(end);
                return Flow.NORMAL;
            }
            case 0x5B -> {
                return extended(f, s, end, start, module);
            }
            default -> {
                expr.evalTermArg(f, s, end);
                return Flow.NORMAL;
            }
        }
    }

    private Flow moduleBody(final Frame f, final AmlStream s, final int e) {
        moduleLevel(f, s, e);
        return Flow.NORMAL;
    }

    private Flow body(final Frame f, final AmlStream s, final AmlNode n, final int e, final boolean module) {
        if (n == null) {
            s.seek(e); // a second definition: ACPICA reports AE_ALREADY_EXISTS and skips it
            return Flow.NORMAL;
        }
        final AmlNode saved = f.scope;
        f.scope = n.target();
        try {
            if (module) {
                moduleLevel(f, s, e);
            } else {
                final Flow fl = execTermList(f, s, e);
                if (fl == Flow.RETURN) {
                    return fl;
                }
            }
        } finally {
            f.scope = saved;
        }
        s.seek(e);
        return Flow.NORMAL;
    }

    private Flow extended(final Frame f, final AmlStream s, final int end, final int start, final boolean module) {
        s.u8(end);
        final int op = s.u8(end);
        switch (op) {
            case 0x82, 0x85 -> { // Device, ThermalZone
                final int e = s.pkgEnd(end);
                final String name = s.nameString(e);
                final AmlNode n = declare(f, s, start, name, new AmlObject.Named(op == 0x82
                    ? AmlObject.Named.Kind.DEVICE : AmlObject.Named.Kind.THERMAL_ZONE));
                return body(f, s, n, e, module);
            }
            case 0x83 -> { // Processor
                final int e = s.pkgEnd(end);
                final String name = s.nameString(e);
                s.u8(e);
                s.u32(e);
                s.u8(e);
                final AmlNode n = declare(f, s, start, name, new AmlObject.Named(AmlObject.Named.Kind.PROCESSOR));
                return body(f, s, n, e, module);
            }
            case 0x84 -> { // PowerResource
                final int e = s.pkgEnd(end);
                final String name = s.nameString(e);
                s.u8(e);
                s.u16(e);
                final AmlNode n = declare(f, s, start, name, new AmlObject.Named(AmlObject.Named.Kind.POWER_RESOURCE));
                return body(f, s, n, e, module);
            }
            case 0x01 -> { // Mutex
                final String name = s.nameString(end);
                s.u8(end);
                declare(f, s, start, name, new AmlObject.Named(AmlObject.Named.Kind.MUTEX));
                return Flow.NORMAL;
            }
            case 0x02 -> { // Event
                declare(f, s, start, s.nameString(end), new AmlObject.Named(AmlObject.Named.Kind.EVENT));
                return Flow.NORMAL;
            }
            case 0x80 -> { // OperationRegion
                final String name = s.nameString(end);
                final int space = s.u8(end);
                final long offset = expr.evalInteger(f, s, end);
                final long length = expr.evalInteger(f, s, end);
                declare(f, s, start, name, new AmlObject.Region(space, offset, length));
                return Flow.NORMAL;
            }
            case 0x88 -> { // DataTableRegion
                final String name = s.nameString(end);
                expr.evalTermArg(f, s, end);
                expr.evalTermArg(f, s, end);
                expr.evalTermArg(f, s, end);
                declare(f, s, start, name, new AmlObject.Region(0x80, 0, 0));
                return Flow.NORMAL;
            }
            case 0x81, 0x86, 0x87 -> { // Field, IndexField, BankField
                final int e = s.pkgEnd(end);
                s.nameString(e);
                if (op != 0x81) {
                    s.nameString(e);
                }
                if (op == 0x87) {
                    expr.evalTermArg(f, s, e);
                }
                s.u8(e);
                fieldList(f, s, e, start);
                s.seek(e);
                return Flow.NORMAL;
            }
            default -> {
                s.seek(start);
                expr.evalTermArg(f, s, end);
                return Flow.NORMAL;
            }
        }
    }

    private void fieldList(final Frame f, final AmlStream s, final int e, final int start) {
        long bit = 0;
        while (s.pos() < e) {
            final int c = s.peek(e);
            switch (c) {
                case 0x00 -> {
                    s.u8(e);
                    bit += s.pkgValue(e);
                }
                case 0x01 -> {
                    s.u8(e);
                    s.u8(e);
                    s.u8(e);
                }
                case 0x02 -> {
                    s.u8(e);
                    if (s.peek(e) == 0x11) {
                        s.u8(e);
                        s.seek(s.pkgEnd(e));
                    } else {
                        s.nameString(e);
                    }
                }
                case 0x03 -> {
                    s.u8(e);
                    s.u8(e);
                    s.u8(e);
                    s.u8(e);
                }
                default -> {
                    final String seg = s.nameSeg(e);
                    final long width = s.pkgValue(e);
                    final AmlNode n = declare(f, s, start, seg, null);
                    if (n != null) {
                        n.setObject(new AmlObject.FieldUnit(n, bit, (int) Math.min(width, Integer.MAX_VALUE)));
                    }
                    bit += width;
                }
            }
        }
    }

    AmlNode declare(final Frame f, final AmlStream s, final int at, final String name, final AmlObject o) {
        final AmlNode n;
        try {
            n = ns.create(name, f.scope, o == null ? AmlObject.Uninitialized.INSTANCE : o);
        } catch (IllegalArgumentException e) {
            throw s.error(at, e.getMessage());
        }
        if (n == null) {
            warnings.add(String.format("%s at offset 0x%x: %s already exists; the first definition stays (as ACPICA)",
                s.table().label(), at, name));
            return null;
        }
        if (f.method) {
            f.created.add(n);
        }
        return n;
    }

    // ------------------------------------------------------------------ methods, names, fields

    AmlObject invoke(final AmlNode node, final List<AmlObject> args, final AmlStream caller) {
        final AmlObject o = node.object();
        if (o instanceof AmlObject.NativeMethod nm) {
            return nm.body().apply(args);
        }
        if (!(o instanceof AmlObject.Method m)) {
            throw new AmlException(node.path() + " is not a method");
        }
        if (++depth > MAX_DEPTH) {
            depth = 0;
            throw new AmlException("calling " + node.path() + ": more than " + MAX_DEPTH + " nested method calls");
        }
        final Frame f = new Frame(node, true);
        for (int i = 0; i < args.size() && i < 7; i++) {
            f.args[i] = args.get(i);
        }
        final AmlStream s = new AmlStream(m.table(), m.start());
        try {
            execTermList(f, s, m.end());
            return f.result;
        } finally {
            depth--;
            for (final AmlNode n : f.created) {
                if (n.parent() != null) {
                    n.parent().removeChild(n.name());
                }
            }
        }
    }

    /** The value of a named object used as an operand. */
    AmlObject value(final AmlNode node, final AmlStream s) {
        final AmlObject o = node.object();
        if (o instanceof AmlObject.FieldUnit fu) {
            return readField(fu);
        }
        if (o instanceof AmlObject.BufferField bf) {
            return bufferFieldValue(bf);
        }
        if (o instanceof AmlObject.ExternalDecl) {
            final String msg = node.path() + " is declared External but no table defines it";
            throw s != null ? s.error(msg) : new AmlException(msg);
        }
        if (o instanceof AmlObject.Int || o instanceof AmlObject.Str || o instanceof AmlObject.Buf
            || o instanceof AmlObject.Pkg) {
            return o;
        }
        return new AmlObject.NodeRef(node.target());
    }

    AmlObject bufferFieldValue(final AmlObject.BufferField bf) {
        if (bf.bitLength() > 64) {
            final byte[] out = new byte[(bf.bitLength() + 7) / 8];
            for (int i = 0; i < bf.bitLength(); i++) {
                AmlConvert.writeBits(out, i, 1, AmlConvert.readBits(bf.buffer().data(), bf.bitOffset() + i, 1));
            }
            return new AmlObject.Buf(out);
        }
        return new AmlObject.Int(AmlConvert.readBits(bf.buffer().data(), bf.bitOffset(), bf.bitLength()));
    }

    private AmlObject readField(final AmlObject.FieldUnit fu) {
        final String path = fu.node().path();
        Long v = writtenFields.get(fu.node());
        if (v == null) {
            v = suppliedFields.get(path);
            if (v == null) {
                defaulted.add(path);
                v = 0L;
            }
        }
        if (fu.bitLength() > 64) {
            return new AmlObject.Buf(new byte[(fu.bitLength() + 7) / 8]);
        }
        return new AmlObject.Int(fu.bitLength() == 64 ? v : v & ((1L << fu.bitLength()) - 1));
    }

    void writeField(final AmlObject.FieldUnit fu, final long v) {
        writtenFields.put(fu.node(), v);
    }
}
