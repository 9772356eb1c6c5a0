package io.irqsim.guest.scenario;

import com.fasterxml.jackson.core.JsonToken;
import io.irqsim.guest.scenario.YamlTree.Kind;
import io.irqsim.guest.scenario.YamlTree.Node;
import io.irqsim.hw.pci.Bdf;

import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The reading half of {@link ScenarioLoader}: typed access to a parsed scenario ({@link YamlTree})
 * with the format's checks (mapping keys against {@link ScenarioKeys}, strings, booleans, choices,
 * PCI addresses, integers in range, no YAML octal surprises), and errors that name the file, line,
 * column and field path, with a "did you mean" for near misses. The section parsers build on it.
 */
final class ScenarioReader {

    private static final Pattern OCTAL = Pattern.compile("[-+]?0[0-7_]+");

    private final String source;
    private final YamlTree tree;

    ScenarioReader(final String source, final YamlTree tree) {
        this.source = source;
        this.tree = tree;
    }

    /** @return the name errors give (the file name) */
    String source() {
        return source;
    }

    /** @return the parsed document */
    YamlTree tree() {
        return tree;
    }

    // ================================================================== typed access

    /** A mapping whose keys have been checked against {@link ScenarioKeys}. */
    final class Obj {
        private final Node node;
        private final List<String> keys;

        Obj(final Node node, final String template) {
            this.node = node;
            this.keys = ScenarioKeys.of(template);
        }

        Node get(final String key) {
            if (!keys.contains(key)) {
                throw new IllegalStateException("loader reads key '" + key + "' not declared in ScenarioKeys");
            }
            return node.fields.get(key);
        }

        boolean has(final String key) {
            return get(key) != null;
        }

        Node require(final String key) {
            final Node v = get(key);
            if (v == null) {
                throw err(node, "missing required key '" + key + "'");
            }
            return v;
        }
    }

    Obj obj(final Node n, final String template) {
        if (n.kind != Kind.MAP) {
            throw err(n, "expected a mapping (key: value), got " + describe(n));
        }
        final List<String> keys = ScenarioKeys.of(template);
        for (final Map.Entry<String, Node> e : n.fields.entrySet()) {
            if (!keys.contains(e.getKey())) {
                throw errKey(e.getValue(), "unknown key '" + e.getKey() + "'" + didYouMean(e.getKey(), keys)
                    + "; allowed here: " + String.join(", ", keys));
            }
        }
        return new Obj(n, template);
    }

    List<Node> list(final Node n) {
        if (n.kind != Kind.LIST) {
            throw err(n, "expected a list, got " + describe(n));
        }
        return n.items;
    }

    String string(final Node n) {
        if (n.kind != Kind.SCALAR || n.token != JsonToken.VALUE_STRING) {
            throw err(n, "expected a string, got " + describe(n) + (n.kind == Kind.SCALAR && !n.isNull()
                ? " (quote it to make it a string)" : ""));
        }
        return n.text;
    }

    String nonEmptyString(final Node n) {
        final String s = string(n);
        if (s.isBlank()) {
            throw err(n, "must not be empty");
        }
        return s;
    }

    boolean bool(final Node n) {
        if (n.kind == Kind.SCALAR && n.token == JsonToken.VALUE_TRUE) {
            return true;
        }
        if (n.kind == Kind.SCALAR && n.token == JsonToken.VALUE_FALSE) {
            return false;
        }
        throw err(n, "expected true or false, got " + describe(n));
    }

    String choice(final Node n, final List<String> allowed) {
        if (n.kind != Kind.SCALAR || n.token != JsonToken.VALUE_STRING) {
            throw err(n, "expected one of " + String.join(", ", allowed) + ", got " + describe(n));
        }
        if (!allowed.contains(n.text)) {
            throw err(n, "unknown value '" + n.text + "'" + didYouMean(n.text, allowed) + "; allowed: "
                + String.join(", ", allowed));
        }
        return n.text;
    }

    Bdf bdf(final Node n) {
        if (n.kind != Kind.SCALAR || (n.token != JsonToken.VALUE_STRING && n.token != JsonToken.VALUE_NUMBER_FLOAT)) {
            throw err(n, "expected a PCI address BB:DD.F such as \"00:03.0\", got " + describe(n));
        }
        // an unquoted 00:03.0 is a YAML 1.1 sexagesimal float: its text is what counts
        try {
            return Bdf.parse(n.text);
        } catch (IllegalArgumentException e) {
            throw err(n, e.getMessage());
        }
    }

    int int32(final Node n, final int min, final int max, final boolean hex) {
        return (int) integer(n, min, max, hex);
    }

    long integer(final Node n, final long min, final long max, final boolean hex) {
        if (n.kind != Kind.SCALAR || n.token != JsonToken.VALUE_NUMBER_INT) {
            throw err(n, "expected an integer, got " + describe(n));
        }
        if (OCTAL.matcher(n.text).matches()) {
            throw err(n, "'" + n.text + "' has a leading zero, which YAML reads as octal (" + n.number
                + "); write it without the zero, or in hex as 0x...");
        }
        final BigInteger v = n.number instanceof BigInteger ? (BigInteger) n.number
            : BigInteger.valueOf(n.number.longValue());
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            throw err(n, n.text + " is out of range: " + rangeText(min, max, hex));
        }
        return v.longValue();
    }

    private static String rangeText(final long min, final long max, final boolean hex) {
        if (max == Integer.MAX_VALUE || max == Long.MAX_VALUE) {
            return "must be " + (min == 0 ? "0 or more" : "at least " + min);
        }
        return hex ? String.format(Locale.ROOT, "must be 0x%x..0x%x", min, max) : "must be " + min + ".." + max;
    }

    static String describe(final Node n) {
        if (n.kind == Kind.MAP) {
            return "a mapping";
        }
        if (n.kind == Kind.LIST) {
            return "a list";
        }
        switch (n.token) {
            case VALUE_NULL:
                return "an empty value";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "the boolean " + n.text;
            case VALUE_NUMBER_INT:
                return "the integer " + n.text;
            case VALUE_NUMBER_FLOAT:
                return "the number " + n.text;
            default:
                return "the string '" + n.text + "'";
        }
    }

    // ================================================================== errors

    ScenarioException err(final Node n, final String message) {
        return new ScenarioException(source, n.line, n.column, n.path, message, null);
    }

    ScenarioException errKey(final Node n, final String message) {
        return new ScenarioException(source, n.keyLine, n.keyColumn, n.path, message, null);
    }

    /** The first of the paths the file gives, else the first. */
    String first(final String... paths) {
        for (final String p : paths) {
            if (tree.find(p) != null) {
                return p;
            }
        }
        return paths[0];
    }

    /**
     * An error at a field path that may be a built-in default the file does not give: then it is
     * placed at the {@code platform} key when the error concerns a default the file's platform does
     * not fit, or else at the nearest enclosing key the file gives, and says which default it is.
     */
    ScenarioException errAt(final String path, final String message) {
        final Node n = tree.find(path);
        if (n != null) {
            return err(n, message);
        }
        String absent = path;
        String parent = parent(path);
        while (parent != null && tree.find(parent) == null) {
            absent = parent;
            parent = parent(parent);
        }
        Node at = parent == null ? tree.root : tree.find(parent);
        if (at == tree.root && tree.find("platform") != null) {
            at = tree.find("platform");
        }
        return new ScenarioException(source, at.keyLine, at.keyColumn, path, message + " (" + absent
            + " is the built-in default: the file does not give it)", null);
    }

    private static String parent(final String path) {
        if (path.isEmpty()) {
            return null;
        }
        final int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
        return cut < 0 ? "" : path.substring(0, cut);
    }

    // ================================================================== did you mean

    /**
     * @param given what the file says
     * @param candidates valid values
     * @return {@code " (did you mean 'x'?)"} for the closest near miss, or empty
     */
    static String didYouMean(final String given, final List<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        final String g = given.toLowerCase(Locale.ROOT);
        for (final String c : candidates) {
            final String lc = c.toLowerCase(Locale.ROOT);
            int d = distance(g, lc);
            if (d > Math.min(3, Math.max(1, Math.max(g.length(), lc.length()) / 3))) {
                final boolean prefix = Math.min(g.length(), lc.length()) >= 3 && (g.startsWith(lc) || lc.startsWith(g));
                if (!prefix) {
                    continue;
                }
                d = Math.abs(g.length() - lc.length());
            }
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best == null || best.equals(given) ? "" : " (did you mean '" + best + "'?)";
    }

    /** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions. */
    private static int distance(final String a, final String b) {
        final int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                final int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
