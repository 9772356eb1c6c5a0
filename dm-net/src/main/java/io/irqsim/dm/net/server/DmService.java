package io.irqsim.dm.net.server;

import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.hv.domain.Domain;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The machine side of the device-model server: the booted scenario, what every attached model
 * claimed in every domain, and the live sessions. Confined to the thread that owns the machine
 * (the server's single event loop; an {@code EmbeddedChannel}'s caller in tests): sessions hand
 * it work on that thread only.
 */
public final class DmService {

    private final ScenarioMachine machine;
    private final DmServerConfig config;
    private final Consumer<String> log;
    private final Map<Domain, DomainClaims> claims = new IdentityHashMap<>();
    private final List<DmSession> sessions = new ArrayList<>();
    private final List<Consumer<SessionReport>> endListeners = new CopyOnWriteArrayList<>();
    private final List<SessionReport> ended = new ArrayList<>();
    private int sessionCount;

    /**
     * @param machine the booted scenario
     * @param config limits and features
     * @param log where session events go (one line each)
     */
    public DmService(final ScenarioMachine machine, final DmServerConfig config, final Consumer<String> log) {
        this.machine = machine;
        this.config = config;
        this.log = log;
    }

    /** @return the machine */
    public ScenarioMachine machine() {
        return machine;
    }

    /** @return the configuration */
    public DmServerConfig config() {
        return config;
    }

    /**
     * Creates the handler of a new connection.
     *
     * @return a session handler, to go after a server-side {@code DmCodec}
     */
    public DmSession newSession() {
        return new DmSession(this, ++sessionCount);
    }

    /** @return live sessions */
    public List<DmSession> sessions() {
        return List.copyOf(sessions);
    }

    /** @return reports of the sessions that ended, oldest first */
    public List<SessionReport> endedSessions() {
        return List.copyOf(ended);
    }

    /**
     * @param listener told of every session that ends, on the machine thread
     */
    public void onSessionEnd(final Consumer<SessionReport> listener) {
        endListeners.add(listener);
    }

    /**
     * @param domain a domain
     * @return what models claimed there, described (empty if nothing)
     */
    public List<String> claimsOf(final Domain domain) {
        final DomainClaims c = claims.get(domain);
        return c == null ? List.of() : c.describe();
    }

    /** Ends every session: each gets a SHUTTING_DOWN error and is closed, leaving nothing behind. */
    public void shutdown() {
        for (final DmSession s : List.copyOf(sessions)) {
            s.shutdown();
        }
    }

    DomainClaims claims(final Domain domain) {
        return claims.computeIfAbsent(domain, DomainClaims::new);
    }

    void started(final DmSession s) {
        sessions.add(s);
    }

    void ended(final DmSession s, final SessionReport report) {
        sessions.remove(s);
        ended.add(report);
        log(report.toString());
        for (final Consumer<SessionReport> l : endListeners) {
            l.accept(report);
        }
    }

    void log(final String line) {
        log.accept(line);
    }
}
