package io.irqsim.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one {@code @Benchmark} method outside JMH, the way JMH would for one parameter
 * combination: instantiates its {@code @State} objects, sets their {@code @Param} fields, calls
 * the trial- and iteration-level {@code @Setup}s, and then invokes the method through a
 * {@link MethodHandle} with every argument bound and the result dropped (so the call itself
 * neither boxes nor builds an argument array), with the invocation-level set-up and tear-down
 * around each call.
 */
final class BenchmarkDriver implements AutoCloseable {

    private final String name;
    private final MethodHandle op;
    private final List<MethodHandle> beforeEach = new ArrayList<>();
    private final List<MethodHandle> afterEach = new ArrayList<>();
    private final List<MethodHandle> tearDowns = new ArrayList<>();

    private BenchmarkDriver(final String name, final MethodHandle op) {
        this.name = name;
        this.op = op;
    }

    /**
     * @param benchmark a method annotated {@code @Benchmark}
     * @return every combination of the {@code @Param} values of the states it uses, in declaration order
     */
    static List<Map<String, String>> parameterCombinations(final Method benchmark) {
        final Map<String, String[]> params = new LinkedHashMap<>();
        for (final Class<?> state : stateClasses(benchmark)) {
            for (final Field f : state.getFields()) {
                final Param p = f.getAnnotation(Param.class);
                if (p != null) {
                    params.put(f.getName(), p.value());
                }
            }
        }
        List<Map<String, String>> out = new ArrayList<>();
        out.add(new LinkedHashMap<>());
        for (final Map.Entry<String, String[]> e : params.entrySet()) {
            final List<Map<String, String>> next = new ArrayList<>();
            for (final Map<String, String> partial : out) {
                for (final String v : e.getValue()) {
                    final Map<String, String> m = new LinkedHashMap<>(partial);
                    m.put(e.getKey(), v);
                    next.add(m);
                }
            }
            out = next;
        }
        return out;
    }

    /**
     * @param type a benchmark class
     * @return its {@code @Benchmark} methods, sorted by name
     */
    static List<Method> benchmarkMethods(final Class<?> type) {
        final List<Method> out = new ArrayList<>();
        for (final Method m : type.getMethods()) {
            if (m.isAnnotationPresent(Benchmark.class)) {
                out.add(m);
            }
        }
        out.sort(Comparator.comparing(Method::getName));
        return out;
    }

    private static List<Class<?>> stateClasses(final Method benchmark) {
        final List<Class<?>> out = new ArrayList<>();
        if (benchmark.getDeclaringClass().isAnnotationPresent(State.class)) {
            out.add(benchmark.getDeclaringClass());
        }
        for (final Class<?> p : benchmark.getParameterTypes()) {
            if (!p.isAnnotationPresent(State.class)) {
                throw new IllegalArgumentException(benchmark + ": argument " + p.getName() + " is not a @State");
            }
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * Sets a benchmark up for one parameter combination.
     *
     * @param benchmark the method
     * @param params {@code @Param} values by field name
     * @return the driver, set up
     * @throws ReflectiveOperationException if a state cannot be made or a set-up fails
     */
    static BenchmarkDriver open(final Method benchmark, final Map<String, String> params)
        throws ReflectiveOperationException {
        final MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        final Map<Class<?>, Object> states = new LinkedHashMap<>();
        for (final Class<?> type : stateClasses(benchmark)) {
            final Object state = type.getConstructor().newInstance();
            for (final Field f : type.getFields()) {
                if (f.isAnnotationPresent(Param.class)) {
                    final String v = params.get(f.getName());
                    f.set(state, f.getType() == int.class ? (Object) Integer.parseInt(v) : v);
                }
            }
            states.put(type, state);
        }
        final Object[] args = new Object[benchmark.getParameterCount() + 1];
        args[0] = Modifier.isStatic(benchmark.getModifiers()) ? null : states.get(benchmark.getDeclaringClass());
        for (int i = 0; i < benchmark.getParameterCount(); i++) {
            args[i + 1] = states.get(benchmark.getParameterTypes()[i]);
        }
        final MethodHandle bound = MethodHandles.insertArguments(
            MethodHandles.dropReturn(lookup.unreflect(benchmark)), 0, args);
        final BenchmarkDriver d = new BenchmarkDriver(benchmark.getDeclaringClass().getSimpleName() + "."
            + benchmark.getName() + params, bound);
        for (final Level level : List.of(Level.Trial, Level.Iteration, Level.Invocation)) {
            for (final Map.Entry<Class<?>, Object> s : states.entrySet()) {
                for (final Method m : sorted(s.getKey().getMethods())) {
                    final Setup setup = m.getAnnotation(Setup.class);
                    final TearDown tearDown = m.getAnnotation(TearDown.class);
                    if (setup == null && tearDown == null) {
                        continue;
                    }
                    if (m.getParameterCount() != 0) {
                        throw new IllegalArgumentException(m + ": set-up/tear-down with arguments is not supported here");
                    }
                    final MethodHandle h = lookup.unreflect(m).bindTo(s.getValue());
                    if (setup != null && setup.value() == level) {
                        if (level == Level.Invocation) {
                            d.beforeEach.add(h);
                        } else {
                            invoke(h);
                        }
                    }
                    if (tearDown != null && tearDown.value() == level) {
                        (level == Level.Invocation ? d.afterEach : d.tearDowns).add(0, h);
                    }
                }
            }
        }
        return d;
    }

    private static List<Method> sorted(final Method[] methods) {
        final List<Method> out = new ArrayList<>(Arrays.asList(methods));
        out.sort(Comparator.comparing(Method::getName));
        return out;
    }

    private static void invoke(final MethodHandle h) throws ReflectiveOperationException {
        try {
            h.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new ReflectiveOperationException(t);
        }
    }

    /** @return e.g. {@code InjectionBenchmark.roundTrip{trace=off}} */
    String name() {
        return name;
    }

    /**
     * Runs the invocation-level set-ups (not measured by callers).
     *
     * @throws Throwable whatever they throw
     */
    void beforeEach() throws Throwable {
        for (int i = 0; i < beforeEach.size(); i++) {
            beforeEach.get(i).invokeExact();
        }
    }

    /**
     * One call of the benchmark method.
     *
     * @throws Throwable whatever it throws
     */
    void invokeOnce() throws Throwable {
        op.invokeExact();
    }

    /**
     * Runs the invocation-level tear-downs (not measured by callers).
     *
     * @throws Throwable whatever they throw
     */
    void afterEach() throws Throwable {
        for (int i = 0; i < afterEach.size(); i++) {
            afterEach.get(i).invokeExact();
        }
    }

    /** Runs the iteration- and trial-level tear-downs. */
    @Override
    public void close() throws ReflectiveOperationException {
        for (final MethodHandle h : tearDowns) {
            invoke(h);
        }
    }
}
