package io.irqsim.dm.net.server;

import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.hv.domain.Domain;

import io.irqsim.dm.net.proto.DmCodec;
import io.irqsim.dm.net.proto.DmFrameDecoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.EventExecutor;

import java.time.Duration;
import java.util.ArrayDeque;
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
    /** The last {@code keptReports} ended sessions' reports, oldest first: bounded however many sessions end. */
    private final ArrayDeque<SessionReport> ended = new ArrayDeque<>();
    private long endedCount;
    private int sessionCount;
    private long refusedFull;
    private VirtualTimePacer pacer;

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

    /**
     * @return reports of the last sessions that ended (at most the configured number kept), oldest first
     */
    public List<SessionReport> endedSessions() {
        return List.copyOf(ended);
    }

    /** @return how many sessions ended since the server started (their reports may be gone) */
    public long endedCount() {
        return endedCount;
    }

    /**
     * Sets up a new connection's pipeline: a server-side codec and a session, or, past the
     * connection cap, the codec and one SERVER_FULL notice, after which the connection is closed.
     *
     * @param ch the accepted connection
     */
    public void initConnection(final Channel ch) {
        ch.pipeline().addLast("codec", new DmCodec(DmFrameDecoder.Role.SERVER));
        if (admit()) {
            ch.pipeline().addLast("session", newSession());
        } else {
            ch.writeAndFlush(DmSession.serverFull(config.limits().maxConnections())).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Whether a new connection may have a session: fewer than the maximum are open. When not, the
     * caller refuses it (SERVER_FULL); the first refusal of a run of them is logged.
     *
     * @return whether to admit it
     */
    boolean admit() {
        if (sessions.size() < config.limits().maxConnections()) {
            refusedFull = 0;
            return true;
        }
        if (refusedFull++ == 0) {
            log("the server holds its " + config.limits().maxConnections() + " connections: refusing new ones"
                + " (SERVER_FULL) until one ends");
        }
        return false;
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

    /**
     * Lets the machine's virtual time follow the wall clock of {@code loop} (the thread that owns the
     * machine), so timers the machine arms while serving fire: Xen's guest-EOI timeout, an interrupt
     * limiter's recovery. Without it a served machine's time never moves.
     *
     * @param loop the machine's event loop (its ticker is the wall clock; an embedded loop's is virtual)
     * @param tick how often time is brought up to date while a timer is armed
     * @return the pacer (to {@link VirtualTimePacer#stop})
     */
    public VirtualTimePacer paceVirtualTime(final EventExecutor loop, final Duration tick) {
        pacer = VirtualTimePacer.start(loop, machine.xen(), tick);
        return pacer;
    }

    /** Work on the machine was done (a model's frames handled, a task run): a timer may have been armed. */
    void afterWork() {
        if (pacer != null) {
            pacer.kick();
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
        endedCount++;
        if (config.limits().keptReports() > 0) {
            if (ended.size() == config.limits().keptReports()) {
                ended.removeFirst();
            }
            ended.addLast(report);
        }
        log(report.toString());
        for (final Consumer<SessionReport> l : endListeners) {
            l.accept(report);
        }
    }

    /** Logs one line; whatever a model chose (an ERROR notice's text) cannot start another ({@link LogText}). */
    void log(final String line) {
        log.accept(LogText.sanitize(line));
    }
}
