package io.irqsim.dm.net;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The Netty transport the device-model server and client use: the native epoll transport when it
 * is available (Linux x86_64: TCP and Unix domain sockets), NIO otherwise (TCP only). One choice
 * for every channel of an event loop group, since an epoll loop cannot serve NIO channels.
 */
public final class DmTransport {

    private DmTransport() {
    }

    /** @return whether the native epoll transport can be used */
    public static boolean epollAvailable() {
        return Epoll.isAvailable();
    }

    /** @return why epoll cannot be used, or {@code null} */
    public static Throwable epollUnavailabilityCause() {
        return Epoll.unavailabilityCause();
    }

    /** @return the I/O handler factory for an event loop group */
    public static IoHandlerFactory ioHandlerFactory() {
        return epollAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /** @return the TCP listening channel class */
    public static Class<? extends ServerChannel> tcpServerChannel() {
        return epollAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** @return the Unix domain socket listening channel class (epoll only) */
    public static Class<? extends ServerChannel> unixServerChannel() {
        return EpollServerDomainSocketChannel.class;
    }

    /** @return the TCP client channel class */
    public static Class<? extends Channel> tcpChannel() {
        return epollAvailable() ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** @return the Unix domain socket client channel class (epoll only) */
    public static Class<? extends Channel> unixChannel() {
        return EpollDomainSocketChannel.class;
    }
}
