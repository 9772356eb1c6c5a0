package io.irqsim.dm.net.server;

/**
 * How a device-model session went, reported when it ends.
 *
 * @param session the session number (1, 2, ... per server)
 * @param peer the remote address
 * @param domain the domain it was attached to, or {@code null}
 * @param reason why it ended (goodbye, disconnected, an error code's name, ...)
 * @param ioreqsSent IOREQs sent to the model
 * @param ioreqsAnswered IOREQs it answered
 * @param ioreqsExpired IOREQs that hit the deadline
 * @param ioreqsFailed IOREQs it refused with an ERROR, or still pending when it went away
 * @param requests requests it sent that the server carried out
 * @param refused requests and frames the server refused with an ERROR
 * @param eoiNotices EOI notices sent to it
 */
public record SessionReport(int session, String peer, String domain, String reason, long ioreqsSent,
                            long ioreqsAnswered, long ioreqsExpired, long ioreqsFailed, long requests, long refused,
                            long eoiNotices) {

    @Override
    public String toString() {
        return String.format("session %d (%s)%s %s; ioreqs %d sent, %d answered, %d expired, %d failed; "
                + "%d requests done, %d refused; %d EOI notices", session, peer,
            domain == null ? "" : " on " + domain, "live".equals(reason) ? "live" : "ended: " + reason, ioreqsSent, ioreqsAnswered, ioreqsExpired, ioreqsFailed,
            requests, refused, eoiNotices);
    }
}
