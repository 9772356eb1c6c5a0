package io.irqsim.hw.firmware.acpi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The expression opcodes of AML (ACPI 6.5, 20.2.5.4 "Expression Opcodes Encoding" and 20.2.3
 * data objects): each is parsed and evaluated in one step, operands first, as ACPICA's interpreter
 * does (no short-circuit: {@code LAnd} evaluates both operands). Targets and stores follow ACPI
 * 6.5, 19.3.5.8 "Data Type Conversion Rules" for named integers, strings and buffers.
 */
final class AmlExpressions {

    private final AmlInterpreter in;
    private final AmlTargets targets;

    AmlExpressions(final AmlInterpreter in) {
        this.in = in;
        this.targets = new AmlTargets(in, this);
    }

    private long ones() {
        return in.int32() ? 0xFFFFFFFFL : -1L;
    }

    private long mask(final long v) {
        return in.int32() ? v & 0xFFFFFFFFL : v;
    }

    private AmlObject bool(final boolean b) {
        return new AmlObject.Int(b ? ones() : 0);
    }

    long evalInteger(final AmlInterpreter.Frame f, final AmlStream s, final int end) {
        final int at = s.pos();
        final AmlObject o = evalTermArg(f, s, end);
        return integer(o, s, at);
    }

    private long integer(final AmlObject o, final AmlStream s, final int at) {
        if (o instanceof AmlObject.Int i) {
            return mask(i.value());
        }
        if (o instanceof AmlObject.Str || o instanceof AmlObject.Buf) {
            return AmlConvert.toInteger(o, in.int32(), s);
        }
        throw s.error(at, "expected an integer operand, found " + describe(o));
    }

    static String describe(final AmlObject o) {
        if (o instanceof AmlObject.NodeRef r) {
            return "a reference to " + r.node().path();
        }
        return o == AmlObject.Uninitialized.INSTANCE ? "an uninitialized value" : AmlConvert.typeName(o);
    }

    AmlObject evalTermArg(final AmlInterpreter.Frame f, final AmlStream s, final int end) {
        final int start = s.pos();
        final int op = s.u8(end);
        if (op >= 0x60 && op <= 0x67) {
            final AmlObject v = f.locals[op - 0x60];
            if (v == null) {
                throw s.error(start, "Local" + (op - 0x60) + " is read before anything is stored in it");
            }
            return v;
        }
        if (op >= 0x68 && op <= 0x6E) {
            final AmlObject v = f.args[op - 0x68];
            if (v == null) {
                throw s.error(start, "Arg" + (op - 0x68) + " was not passed");
            }
            return v instanceof AmlObject.NodeRef r && isData(r.node()) ? in.value(r.node(), s) : v;
        }
        if (AmlStream.isNameStart(op)) {
            s.seek(start);
            return evalName(f, s, end);
        }
        switch (op) {
            case 0x00: return new AmlObject.Int(0);
            case 0x01: return new AmlObject.Int(1);
            case 0xFF: return new AmlObject.Int(ones());
            case 0x0A: return new AmlObject.Int(s.u8(end));
            case 0x0B: return new AmlObject.Int(s.u16(end));
            case 0x0C: return new AmlObject.Int(s.u32(end));
            case 0x0E: return new AmlObject.Int(mask(s.u64(end)));
            case 0x0D: return string(s, end);
            case 0x11: return buffer(f, s, end);
            case 0x12: return pkg(f, s, end, false);
            case 0x13: return pkg(f, s, end, true);
            case 0x70: { // Store
                final AmlObject v = evalTermArg(f, s, end);
                targets.store(f, targets.target(f, s, end), v, s);
                return v;
            }
            case 0x71: // RefOf
                return targets.reference(f, targets.target(f, s, end), s, start);
            case 0x72: case 0x74: case 0x77: case 0x79: case 0x7A: case 0x7B: case 0x7C: case 0x7D: case 0x7E:
            case 0x7F: case 0x85:
                return binary(f, s, end, op, start);
            case 0x73: return concat(f, s, end);
            case 0x75: case 0x76: { // Increment, Decrement
                final AmlTargets.Target t = targets.target(f, s, end);
                final long v = integer(targets.read(f, t, s, start), s, start);
                final AmlObject r = new AmlObject.Int(mask(op == 0x75 ? v + 1 : v - 1));
                targets.store(f, t, r, s);
                return r;
            }
            case 0x78: { // Divide
                final long a = evalInteger(f, s, end);
                final long b = evalInteger(f, s, end);
                if (b == 0) {
                    throw s.error(start, "Divide by zero");
                }
                final AmlTargets.Target rem = targets.target(f, s, end);
                final AmlTargets.Target quo = targets.target(f, s, end);
                final AmlObject q = new AmlObject.Int(Long.divideUnsigned(a, b));
                targets.store(f, rem, new AmlObject.Int(Long.remainderUnsigned(a, b)), s);
                targets.store(f, quo, q, s);
                return q;
            }
            case 0x80: return unary(f, s, end, v -> mask(~v));
            case 0x81: return unary(f, s, end, v -> v == 0 ? 0 : 64 - Long.numberOfLeadingZeros(v));
            case 0x82: return unary(f, s, end, v -> v == 0 ? 0 : Long.numberOfTrailingZeros(v) + 1);
            case 0x83: return derefOf(f, s, end, start);
            case 0x84: return concatRes(f, s, end);
            case 0x86: { // Notify
                targets.target(f, s, end);
                evalTermArg(f, s, end);
                return new AmlObject.Int(0);
            }
            case 0x87: return new AmlObject.Int(sizeOf(targets.read(f, targets.target(f, s, end), s, start), s, start));
            case 0x88: return index(f, s, end, start);
            case 0x89: return match(f, s, end, start);
            case 0x8A: return createField(f, s, end, start, 32, true);
            case 0x8B: return createField(f, s, end, start, 16, true);
            case 0x8C: return createField(f, s, end, start, 8, true);
            case 0x8D: return createField(f, s, end, start, 1, false);
            case 0x8F: return createField(f, s, end, start, 64, true);
            case 0x8E: { // ObjectType
                final AmlTargets.Target t = targets.target(f, s, end);
                return new AmlObject.Int(targets.objectType(f, t));
            }
            case 0x90: case 0x91: {
                final long a = evalInteger(f, s, end);
                final long b = evalInteger(f, s, end);
                return bool(op == 0x90 ? a != 0 && b != 0 : a != 0 || b != 0);
            }
            case 0x92: return bool(evalInteger(f, s, end) == 0);
            case 0x93: case 0x94: case 0x95: {
                final AmlObject a = evalTermArg(f, s, end);
                final AmlObject b = evalTermArg(f, s, end);
                final int c = AmlConvert.compare(a, b, in.int32(), s);
                return bool(op == 0x93 ? c == 0 : op == 0x94 ? c > 0 : c < 0);
            }
            case 0x96: { // ToBuffer
                final AmlObject v = new AmlObject.Buf(AmlConvert.toBuffer(evalTermArg(f, s, end), in.int32(), s).clone());
                targets.store(f, targets.target(f, s, end), v, s);
                return v;
            }
            case 0x97: case 0x98: return toDecOrHexString(f, s, end, op == 0x97);
            case 0x99: { // ToInteger: a string is decimal unless it starts with 0x (ACPI 6.5, 19.6.141)
                final AmlObject src = evalTermArg(f, s, end);
                final AmlObject v = new AmlObject.Int(src instanceof AmlObject.Str str ? explicitInteger(str.value())
                    : AmlConvert.toInteger(src, in.int32(), s));
                targets.store(f, targets.target(f, s, end), v, s);
                return v;
            }
            case 0x9C: return toStringOp(f, s, end);
            case 0x9D: { // CopyObject
                final AmlObject v = evalTermArg(f, s, end);
                final AmlTargets.Target t = targets.target(f, s, end);
                if (t instanceof AmlTargets.NodeT n) {
                    n.node().setObject(v);
                } else {
                    targets.store(f, t, v, s);
                }
                return v;
            }
            case 0x9E: return mid(f, s, end);
            case 0x5B: return extended(f, s, end, start);
            default:
                throw s.error(start, String.format("unknown or unsupported opcode 0x%02X", op));
        }
    }

    private static boolean isData(final AmlNode n) {
        final AmlObject o = n.object();
        return o instanceof AmlObject.FieldUnit || o instanceof AmlObject.BufferField;
    }

    private AmlObject extended(final AmlInterpreter.Frame f, final AmlStream s, final int end, final int start) {
        final int op = s.u8(end);
        switch (op) {
            case 0x12: { // CondRefOf
                final int at = s.pos();
                AmlNode node = null;
                AmlTargets.Target t = null;
                if (AmlStream.isNameStart(s.peek(end))) {
                    node = in.namespace().lookup(s.nameString(end), f.scope);
                } else {
                    s.seek(at);
                    t = targets.target(f, s, end);
                }
                final AmlTargets.Target dst = targets.target(f, s, end);
                if (node == null && t == null || node != null && node.object() instanceof AmlObject.ExternalDecl) {
                    return bool(false);
                }
                targets.store(f, dst, node != null ? new AmlObject.NodeRef(node.target()) : targets.reference(f, t, s, start), s);
                return bool(true);
            }
            case 0x13: { // CreateField
                final AmlObject src = evalTermArg(f, s, end);
                final long bit = evalInteger(f, s, end);
                final long bits = evalInteger(f, s, end);
                final String name = s.nameString(end);
                declareBufferField(f, s, start, src, bit, (int) bits, name);
                return new AmlObject.Int(0);
            }
            case 0x21: case 0x22: // Stall, Sleep: virtual time does not move for firmware
                evalTermArg(f, s, end);
                return new AmlObject.Int(0);
            case 0x23: // Acquire: always succeeds, nothing else runs
                targets.target(f, s, end);
                s.u16(end);
                return new AmlObject.Int(0);
            case 0x24: case 0x26: case 0x27: // Signal, Reset, Release
                targets.target(f, s, end);
                return new AmlObject.Int(0);
            case 0x25: // Wait
                targets.target(f, s, end);
                evalTermArg(f, s, end);
                return new AmlObject.Int(0);
            case 0x28: return unary(f, s, end, AmlExpressions::fromBcd);
            case 0x29: return unary(f, s, end, AmlExpressions::toBcd);
            case 0x30: return new AmlObject.Int(0x20240827L); // Revision: an ACPICA version
            case 0x31: return AmlObject.Debug.INSTANCE;
            case 0x32: { // Fatal
                final int type = s.u8(end);
                final long code = s.u32(end);
                evalTermArg(f, s, end);
                throw s.error(start, String.format("firmware executed Fatal (type 0x%x, code 0x%x)", type, code));
            }
            case 0x33: return new AmlObject.Int(0); // Timer: no time passes in firmware evaluation
            case 0x1F: case 0x20: case 0x2A:
                throw s.error(start, "Load/LoadTable/Unload of dynamic tables is not supported");
            default:
                throw s.error(start, String.format("unknown or unsupported opcode 0x5B 0x%02X", op));
        }
    }

    private static long fromBcd(final long v) {
        long r = 0;
        long m = 1;
        for (long x = v; x != 0; x >>>= 4) {
            r += (x & 0xF) * m;
            m *= 10;
        }
        return r;
    }

    private static long toBcd(final long v) {
        long r = 0;
        int shift = 0;
        for (long x = v; x != 0 && shift < 64; x /= 10) {
            r |= (x % 10) << shift;
            shift += 4;
        }
        return r;
    }

    // ------------------------------------------------------------------ names

    private AmlObject evalName(final AmlInterpreter.Frame f, final AmlStream s, final int end) {
        final int at = s.pos();
        final String name = s.nameString(end);
        final AmlNode node = in.namespace().lookup(name, f.scope);
        if (node == null) {
            throw s.error(at, name.replace("_.", ".") + " does not exist in the namespace");
        }
        final AmlObject o = node.object();
        final int argc = o instanceof AmlObject.Method m ? m.argCount()
            : o instanceof AmlObject.NativeMethod nm ? nm.argCount()
            : o instanceof AmlObject.ExternalDecl x && x.type() == 8 ? x.argCount() : -1;
        if (argc < 0) {
            return in.value(node, s);
        }
        final List<AmlObject> args = new ArrayList<>();
        for (int i = 0; i < argc; i++) {
            args.add(evalTermArg(f, s, end));
        }
        if (o instanceof AmlObject.ExternalDecl) {
            throw s.error(at, node.path() + " is an External method no table defines");
        }
        return in.invoke(node.target(), args, s);
    }

    // ------------------------------------------------------------------ data

    private static AmlObject string(final AmlStream s, final int end) {
        final StringBuilder sb = new StringBuilder();
        for (int c = s.u8(end); c != 0; c = s.u8(end)) {
            sb.append((char) c);
        }
        return new AmlObject.Str(sb.toString());
    }

    private AmlObject buffer(final AmlInterpreter.Frame f, final AmlStream s, final int end) {
        final int e = s.pkgEnd(end);
        final long size = evalInteger(f, s, e);
        final int init = e - s.pos();
        if (size > 1 << 20) {
            throw s.error("Buffer of " + size + " bytes is larger than irqsim accepts (1 MiB)");
        }
        final byte[] data = new byte[(int) Math.max(size, init)];
        final byte[] list = s.bytes(init, e);
        System.arraycopy(list, 0, data, 0, init);
        return new AmlObject.Buf(data);
    }

    private AmlObject pkg(final AmlInterpreter.Frame f, final AmlStream s, final int end, final boolean var) {
        final int e = s.pkgEnd(end);
        final long n = var ? evalInteger(f, s, e) : s.u8(e);
        if (n > 0xFFFF) {
            throw s.error("VarPackage of " + n + " elements is larger than irqsim accepts");
        }
        final List<AmlObject> els = new ArrayList<>();
        while (s.pos() < e) {
            if (AmlStream.isNameStart(s.peek(e))) {
                els.add(new AmlObject.NameRef(s.nameString(e), f.scope));
            } else {
                els.add(evalTermArg(f, s, e));
            }
        }
        while (els.size() < n) {
            els.add(AmlObject.Uninitialized.INSTANCE);
        }
        return new AmlObject.Pkg(els.size() > n ? new ArrayList<>(els.subList(0, (int) n)) : els);
    }

    // ------------------------------------------------------------------ operators

    private AmlObject binary(final AmlInterpreter.Frame f, final AmlStream s, final int end, final int op, final int at) {
        final long a = evalInteger(f, s, end);
        final long b = evalInteger(f, s, end);
        final long r = switch (op) {
            case 0x72 -> a + b;
            case 0x74 -> a - b;
            case 0x77 -> a * b;
            case 0x79 -> b >= 64 ? 0 : a << b;
            case 0x7A -> b >= 64 ? 0 : a >>> b;
            case 0x7B -> a & b;
            case 0x7C -> ~(a & b);
            case 0x7D -> a | b;
            case 0x7E -> ~(a | b);
            case 0x7F -> a ^ b;
            default -> {
                if (b == 0) {
                    throw s.error(at, "Mod by zero");
                }
                yield Long.remainderUnsigned(a, b);
            }
        };
        final AmlObject v = new AmlObject.Int(mask(r));
        targets.store(f, targets.target(f, s, end), v, s);
        return v;
    }

    private AmlObject unary(final AmlInterpreter.Frame f, final AmlStream s, final int end,
                            final java.util.function.LongUnaryOperator fn) {
        final AmlObject v = new AmlObject.Int(mask(fn.applyAsLong(evalInteger(f, s, end))));
        targets.store(f, targets.target(f, s, end), v, s);
        return v;
    }

    private AmlObject concat(final AmlInterpreter.Frame f, final AmlStream s, final int end) {
        final AmlObject a = evalTermArg(f, s, end);
        final AmlObject b = evalTermArg(f, s, end);
        final AmlObject r;
        if (a instanceof AmlObject.Str x) {
            r = new AmlObject.Str(x.value() + AmlConvert.toStr(b, in.int32(), s));
        } else {
            final byte[] x = AmlConvert.toBuffer(a, in.int32(), s);
            final byte[] y = b instanceof AmlObject.Str str ? str.value().getBytes(StandardCharsets.ISO_8859_1)
                : AmlConvert.toBuffer(b, in.int32(), s);
            final byte[] out = Arrays.copyOf(x, x.length + y.length);
            System.arraycopy(y, 0, out, x.length, y.length);
            r = new AmlObject.Buf(out);
        }
        targets.store(f, targets.target(f, s, end), r, s);
        return r;
    }

    private AmlObject concatRes(final AmlInterpreter.Frame f, final AmlStream s, final int end) {
        final byte[] a = AmlConvert.toBuffer(evalTermArg(f, s, end), in.int32(), s);
        final byte[] b = AmlConvert.toBuffer(evalTermArg(f, s, end), in.int32(), s);
        final int la = ResourceTemplate.lengthBeforeEndTag(a);
        final int lb = ResourceTemplate.lengthBeforeEndTag(b);
        final byte[] out = new byte[la + lb + 2];
        System.arraycopy(a, 0, out, 0, la);
        System.arraycopy(b, 0, out, la, lb);
        out[la + lb] = 0x79;
        final AmlObject r = new AmlObject.Buf(out);
        targets.store(f, targets.target(f, s, end), r, s);
        return r;
    }

    private AmlObject derefOf(final AmlInterpreter.Frame f, final AmlStream s, final int end, final int at) {
        return targets.deref(evalTermArg(f, s, end), s, at);
    }

    private static long sizeOf(final AmlObject v, final AmlStream s, final int at) {
        if (v instanceof AmlObject.Str str) {
            return str.value().length();
        }
        if (v instanceof AmlObject.Buf b) {
            return b.data().length;
        }
        if (v instanceof AmlObject.Pkg p) {
            return p.elements().size();
        }
        throw s.error(at, "SizeOf needs a string, buffer or package, found " + describe(v));
    }

    private AmlObject index(final AmlInterpreter.Frame f, final AmlStream s, final int end, final int at) {
        AmlObject src = evalTermArg(f, s, end);
        if (src instanceof AmlObject.NodeRef || src instanceof AmlObject.ElementRef) {
            src = targets.deref(src, s, at);
        }
        final long i = evalInteger(f, s, end);
        final long size = sizeOf(src, s, at);
        if (i < 0 || i >= size) {
            throw s.error(at, "Index " + i + " is past the end of a " + size + "-element "
                + AmlConvert.typeName(src));
        }
        final AmlObject ref = new AmlObject.ElementRef(src, (int) i);
        targets.store(f, targets.target(f, s, end), ref, s);
        return ref;
    }

    private AmlObject match(final AmlInterpreter.Frame f, final AmlStream s, final int end, final int at) {
        final AmlObject src = evalTermArg(f, s, end);
        final int op1 = s.u8(end);
        final AmlObject o1 = evalTermArg(f, s, end);
        final int op2 = s.u8(end);
        final AmlObject o2 = evalTermArg(f, s, end);
        final long start = evalInteger(f, s, end);
        if (!(src instanceof AmlObject.Pkg p)) {
            throw s.error(at, "Match needs a package");
        }
        for (int i = (int) Math.max(0, start); i < p.elements().size(); i++) {
            final AmlObject el = p.elements().get(i);
            if (!(el instanceof AmlObject.Int || el instanceof AmlObject.Str || el instanceof AmlObject.Buf)) {
                continue;
            }
            if (matches(el, op1, o1, s) && matches(el, op2, o2, s)) {
                return new AmlObject.Int(i);
            }
        }
        return new AmlObject.Int(ones());
    }

    private boolean matches(final AmlObject el, final int op, final AmlObject o, final AmlStream s) {
        if (op == 0) {
            return true;
        }
        final int c = AmlConvert.compare(el, o, in.int32(), s);
        return switch (op) {
            case 1 -> c == 0;
            case 2 -> c <= 0;
            case 3 -> c < 0;
            case 4 -> c >= 0;
            case 5 -> c > 0;
            default -> throw s.error("Match opcode " + op + " is not 0..5");
        };
    }

    private AmlObject createField(final AmlInterpreter.Frame f, final AmlStream s, final int end, final int at,
                                  final int bits, final boolean byteIndex) {
        final AmlObject src = evalTermArg(f, s, end);
        final long idx = evalInteger(f, s, end);
        final String name = s.nameString(end);
        declareBufferField(f, s, at, src, byteIndex ? idx * 8 : idx, bits, name);
        return new AmlObject.Int(0);
    }

    private void declareBufferField(final AmlInterpreter.Frame f, final AmlStream s, final int at, final AmlObject src,
                                    final long bit, final int bits, final String name) {
        if (!(src instanceof AmlObject.Buf b)) {
            throw s.error(at, "a buffer field needs a buffer, found " + describe(src));
        }
        if (bit < 0 || bits < 0 || bit + bits > (long) b.data().length * 8) {
            throw s.error(at, "buffer field " + name + " (bits " + bit + ".." + (bit + bits - 1) + ") is outside the "
                + b.data().length + "-byte buffer");
        }
        in.declare(f, s, at, name, new AmlObject.BufferField(b, bit, bits));
    }

    private AmlObject toDecOrHexString(final AmlInterpreter.Frame f, final AmlStream s, final int end, final boolean dec) {
        final AmlObject v = evalTermArg(f, s, end);
        final String r;
        if (v instanceof AmlObject.Str str) {
            r = str.value();
        } else if (v instanceof AmlObject.Int i) {
            r = dec ? Long.toUnsignedString(i.value()) : String.format(in.int32() ? "%08X" : "%016X", i.value());
        } else {
            final StringBuilder sb = new StringBuilder();
            for (final byte b : AmlConvert.toBuffer(v, in.int32(), s)) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(dec ? Integer.toString(b & 0xFF) : String.format("0x%02X", b & 0xFF));
            }
            r = sb.toString();
        }
        final AmlObject out = new AmlObject.Str(r);
        targets.store(f, targets.target(f, s, end), out, s);
        return out;
    }

    private AmlObject toStringOp(final AmlInterpreter.Frame f, final AmlStream s, final int end) {
        final byte[] b = AmlConvert.toBuffer(evalTermArg(f, s, end), in.int32(), s);
        final long max = evalInteger(f, s, end);
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.length && b[i] != 0 && (max == ones() || i < max); i++) {
            sb.append((char) (b[i] & 0xFF));
        }
        final AmlObject out = new AmlObject.Str(sb.toString());
        targets.store(f, targets.target(f, s, end), out, s);
        return out;
    }

    private AmlObject mid(final AmlInterpreter.Frame f, final AmlStream s, final int end) {
        final AmlObject src = evalTermArg(f, s, end);
        final long idx = evalInteger(f, s, end);
        final long len = evalInteger(f, s, end);
        final AmlObject out;
        if (src instanceof AmlObject.Str str) {
            final int from = (int) clamp(idx, str.value().length());
            final int to = (int) clamp(from + clamp(len, Integer.MAX_VALUE), str.value().length());
            out = new AmlObject.Str(str.value().substring(from, to));
        } else {
            final byte[] b = AmlConvert.toBuffer(src, in.int32(), s);
            final int from = (int) clamp(idx, b.length);
            final int to = (int) clamp(from + clamp(len, Integer.MAX_VALUE), b.length);
            out = new AmlObject.Buf(Arrays.copyOfRange(b, from, to));
        }
        targets.store(f, targets.target(f, s, end), out, s);
        return out;
    }

    /** @return {@code v} read as unsigned, at most {@code max} */
    private static long clamp(final long v, final long max) {
        return v < 0 || v > max ? max : v;
    }

    private long explicitInteger(final String str) {
        final String t = str.strip();
        if (t.startsWith("0x") || t.startsWith("0X")) {
            return AmlConvert.toInteger(new AmlObject.Str(t), in.int32(), null);
        }
        long v = 0;
        for (int i = 0; i < t.length() && Character.isDigit(t.charAt(i)); i++) {
            v = v * 10 + (t.charAt(i) - '0');
        }
        return mask(v);
    }
}
