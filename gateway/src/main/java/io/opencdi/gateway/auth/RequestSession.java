package io.opencdi.gateway.auth;

import jakarta.enterprise.context.RequestScoped;

/**
 * The session of an operation that did not arrive as an HTTP request: the GraphQL WebSocket
 * verifies the token for each operation and puts the session here, in the operation's own request
 * context, for {@link CallerResolver}.
 */
@RequestScoped
public class RequestSession {
  private Session session;

  public Session get() {
    return session;
  }

  public void set(Session session) {
    this.session = session;
  }
}
