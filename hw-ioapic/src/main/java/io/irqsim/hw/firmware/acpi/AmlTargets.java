package io.irqsim.hw.firmware.acpi;

import java.util.Arrays;

/**
 * Where AML results go: the {@code Target} and {@code SuperName} operands (ACPI 6.5, 20.2.2 and
 * 20.2.5.4) and stores into them, with the implicit conversion of ACPI 6.5, 19.3.5.8 ("Data Type
 * Conversion Rules") for named integers, strings and buffers, writes to field units and buffer
 * fields, and stores through references held in arguments ({@code RefOf} passed to a method).
 */
final class AmlTargets {

    private final AmlInterpreter in;
    private final AmlExpressions expr;

    /** Where a result goes ({@code Target}, {@code SuperName}). */
    sealed interface Target {
    }

    private record LocalT(int index) implements Target {
    }

    private record ArgT(int index) implements Target {
    }

    record NodeT(AmlNode node) implements Target {
    }

    private record RefT(AmlObject ref) implements Target {
    }

    private enum NullT implements Target { NULL, DEBUG }

    AmlTargets(final AmlInterpreter in, final AmlExpressions expr) {
        this.in = in;
        this.expr = expr;
    }

    Target target(final AmlInterpreter.Frame f, final AmlStream s, final int end) {
        final int at = s.pos();
        final int op = s.peek(end);
        if (op == 0x00) {
            s.u8(end);
            return NullT.NULL;
        }
        if (op >= 0x60 && op <= 0x67) {
            s.u8(end);
            return new LocalT(op - 0x60);
        }
        if (op >= 0x68 && op <= 0x6E) {
            s.u8(end);
            return new ArgT(op - 0x68);
        }
        if (op == 0x5B) {
            s.u8(end);
            if (s.peek(end) == 0x31) {
                s.u8(end);
                return NullT.DEBUG;
            }
            s.seek(at);
            return new RefT(expr.evalTermArg(f, s, end));
        }
        if (AmlStream.isNameStart(op)) {
            final String name = s.nameString(end);
            final AmlNode node = in.namespace().lookup(name, f.scope);
            if (node == null) {
                throw s.error(at, name + " does not exist in the namespace");
            }
            return new NodeT(node.target());
        }
        return new RefT(expr.evalTermArg(f, s, end));
    }

    AmlObject read(final AmlInterpreter.Frame f, final Target t, final AmlStream s, final int at) {
        if (t instanceof LocalT l) {
            final AmlObject v = f.locals[l.index()];
            if (v == null) {
                throw s.error(at, "Local" + l.index() + " is read before anything is stored in it");
            }
            return v;
        }
        if (t instanceof ArgT a) {
            final AmlObject v = f.args[a.index()];
            if (v == null) {
                throw s.error(at, "Arg" + a.index() + " was not passed");
            }
            return v instanceof AmlObject.NodeRef || v instanceof AmlObject.ElementRef ? deref(v, s, at) : v;
        }
        if (t instanceof NodeT n) {
            return in.value(n.node(), s);
        }
        if (t instanceof RefT r) {
            return r.ref() instanceof AmlObject.NodeRef || r.ref() instanceof AmlObject.ElementRef
                ? deref(r.ref(), s, at) : r.ref();
        }
        return AmlObject.Debug.INSTANCE;
    }

    AmlObject reference(final AmlInterpreter.Frame f, final Target t, final AmlStream s, final int at) {
        if (t instanceof NodeT n) {
            return new AmlObject.NodeRef(n.node());
        }
        if (t instanceof RefT r) {
            return r.ref();
        }
        return read(f, t, s, at);
    }

    int objectType(final AmlInterpreter.Frame f, final Target t) {
        if (t instanceof NodeT n) {
            return n.node().object().objectType();
        }
        final AmlObject v = t instanceof LocalT l ? f.locals[l.index()] : t instanceof ArgT a ? f.args[a.index()]
            : t instanceof RefT r ? r.ref() : AmlObject.Debug.INSTANCE;
        return v == null ? 0 : v instanceof AmlObject.NodeRef r ? r.node().object().objectType() : v.objectType();
    }

    AmlObject deref(final AmlObject ref, final AmlStream s, final int at) {
        if (ref instanceof AmlObject.NodeRef r) {
            return in.value(r.node(), s);
        }
        if (ref instanceof AmlObject.ElementRef e) {
            if (e.container() instanceof AmlObject.Pkg p) {
                final AmlObject el = p.elements().get(e.index());
                if (el instanceof AmlObject.NameRef nr) {
                    final AmlNode n = in.namespace().lookup(nr.name(), nr.scope());
                    return n == null ? el : new AmlObject.NodeRef(n.target());
                }
                return el;
            }
            if (e.container() instanceof AmlObject.Buf b) {
                return new AmlObject.Int(b.data()[e.index()] & 0xFF);
            }
            if (e.container() instanceof AmlObject.Str str) {
                return new AmlObject.Int(str.value().charAt(e.index()));
            }
        }
        if (ref instanceof AmlObject.Str str) {
            final AmlNode n = in.namespace().lookup(AmlNamespace.internal(str.value()), in.namespace().root());
            if (n != null) {
                return in.value(n, s);
            }
        }
        throw s.error(at, "DerefOf needs a reference, found " + AmlExpressions.describe(ref));
    }

    void store(final AmlInterpreter.Frame f, final Target t, final AmlObject v, final AmlStream s) {
        if (t instanceof LocalT l) {
            f.locals[l.index()] = v;
        } else if (t instanceof ArgT a) {
            final AmlObject cur = f.args[a.index()];
            if (cur instanceof AmlObject.NodeRef || cur instanceof AmlObject.ElementRef) {
                storeRef(cur, v, s);
            } else {
                f.args[a.index()] = v;
            }
        } else if (t instanceof NodeT n) {
            storeNode(n.node(), v, s);
        } else if (t instanceof RefT r) {
            storeRef(r.ref(), v, s);
        }
    }

    private void storeRef(final AmlObject ref, final AmlObject v, final AmlStream s) {
        if (ref instanceof AmlObject.NodeRef r) {
            storeNode(r.node(), v, s);
        } else if (ref instanceof AmlObject.ElementRef e) {
            if (e.container() instanceof AmlObject.Pkg p) {
                p.elements().set(e.index(), v);
            } else if (e.container() instanceof AmlObject.Buf b) {
                b.data()[e.index()] = (byte) AmlConvert.toInteger(v, in.int32(), s);
            }
        } else {
            throw s.error("cannot store into " + AmlExpressions.describe(ref));
        }
    }

    private void storeNode(final AmlNode node, final AmlObject v, final AmlStream s) {
        final AmlObject o = node.object();
        if (o instanceof AmlObject.FieldUnit fu) {
            if (!(v instanceof AmlObject.Buf b && b.data().length > 8)) {
                in.writeField(fu, AmlConvert.toInteger(v, in.int32(), s));
            }
        } else if (o instanceof AmlObject.BufferField bf) {
            if (bf.bitLength() <= 64) {
                AmlConvert.writeBits(bf.buffer().data(), bf.bitOffset(), bf.bitLength(),
                    AmlConvert.toInteger(v, in.int32(), s));
            } else {
                final byte[] src = AmlConvert.toBuffer(v, in.int32(), s);
                for (int i = 0; i < bf.bitLength(); i++) {
                    AmlConvert.writeBits(bf.buffer().data(), bf.bitOffset() + i, 1, AmlConvert.readBits(src, i, 1));
                }
            }
        } else if (o instanceof AmlObject.Int && !(v instanceof AmlObject.Pkg)) {
            node.setObject(new AmlObject.Int(AmlConvert.toInteger(v, in.int32(), s)));
        } else if (o instanceof AmlObject.Str && !(v instanceof AmlObject.Pkg)) {
            node.setObject(new AmlObject.Str(AmlConvert.toStr(v, in.int32(), s)));
        } else if (o instanceof AmlObject.Buf b && !(v instanceof AmlObject.Pkg)) {
            final byte[] src = AmlConvert.toBuffer(v, in.int32(), s);
            Arrays.fill(b.data(), (byte) 0);
            System.arraycopy(src, 0, b.data(), 0, Math.min(src.length, b.data().length));
        } else if (o instanceof AmlObject.Method || o instanceof AmlObject.NativeMethod
            || o instanceof AmlObject.Named) {
            throw s.error("cannot store into " + node.path() + ", a " + AmlConvert.typeName(o));
        } else {
            node.setObject(v);
        }
    }
}
