package io.irqsim.dm.qtest;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;

/**
 * Netty's native epoll transport, looked up by name.
 *
 * <p>dm-net depends on {@code netty-transport-native-epoll:linux-x86_64}, which the Netty BOM
 * imports with {@code runtime} scope: its classes ({@code netty-transport-classes-epoll}) are on
 * the runtime class path but not the compile class path. Until the pom declares
 * {@code netty-transport-classes-epoll} as a compile dependency, the few epoll entry points the
 * server needs are reached here, reflectively, once. If anything is missing the transport simply
 * counts as unavailable, with the reason.
 */
final class NativeEpoll {

    private static final boolean AVAILABLE;
    private static final Throwable CAUSE;
    private static final IoHandlerFactory IO_HANDLERS;
    private static final Class<? extends ServerChannel> TCP_SERVER;
    private static final Class<? extends ServerChannel> UNIX_SERVER;

    static {
        boolean available = false;
        Throwable cause = null;
        IoHandlerFactory handlers = null;
        Class<? extends ServerChannel> tcp = null;
        Class<? extends ServerChannel> unix = null;
        try {
            final ClassLoader loader = NativeEpoll.class.getClassLoader();
            final Class<?> epoll = Class.forName("io.netty.channel.epoll.Epoll", true, loader);
            available = (Boolean) epoll.getMethod("isAvailable").invoke(null);
            if (available) {
                handlers = (IoHandlerFactory) Class.forName("io.netty.channel.epoll.EpollIoHandler", true, loader)
                    .getMethod("newFactory").invoke(null);
                tcp = Class.forName("io.netty.channel.epoll.EpollServerSocketChannel", true, loader)
                    .asSubclass(ServerChannel.class);
                unix = Class.forName("io.netty.channel.epoll.EpollServerDomainSocketChannel", true, loader)
                    .asSubclass(ServerChannel.class);
            } else {
                cause = (Throwable) epoll.getMethod("unavailabilityCause").invoke(null);
            }
        } catch (final ReflectiveOperationException | LinkageError | ClassCastException e) {
            available = false;
            cause = e;
        }
        AVAILABLE = available;
        CAUSE = cause;
        IO_HANDLERS = handlers;
        TCP_SERVER = tcp;
        UNIX_SERVER = unix;
    }

    private NativeEpoll() {
    }

    /** @return whether the native epoll transport can be used */
    static boolean isAvailable() {
        return AVAILABLE;
    }

    /** @return why it cannot, or {@code null} */
    static Throwable unavailabilityCause() {
        return CAUSE;
    }

    /** @return {@code EpollIoHandler.newFactory()} (only when available) */
    static IoHandlerFactory ioHandlerFactory() {
        return IO_HANDLERS;
    }

    /** @return {@code EpollServerSocketChannel} (only when available) */
    static Class<? extends ServerChannel> tcpServerChannel() {
        return TCP_SERVER;
    }

    /** @return {@code EpollServerDomainSocketChannel} (only when available) */
    static Class<? extends ServerChannel> unixServerChannel() {
        return UNIX_SERVER;
    }
}
