package io.opencdi.gateway.auth.api;

import io.opencdi.gateway.admission.Admission;
import io.opencdi.gateway.auth.AuthConfig;
import io.opencdi.gateway.auth.CallerResolver;
import io.opencdi.gateway.auth.Sessions;
import io.opencdi.gateway.auth.TokenService;
import io.opencdi.gateway.auth.UserRepository;
import io.opencdi.gateway.common.ForbiddenException;
import io.opencdi.gateway.common.NotFoundException;
import io.opencdi.gateway.common.RateLimitedException;
import io.opencdi.gateway.common.UnauthenticatedException;
import io.opencdi.gateway.common.ValidationException;
import io.quarkus.elytron.security.common.BcryptUtil;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ContextNotActiveException;
import java.util.List;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.GraphQLApi;
import org.eclipse.microprofile.graphql.Mutation;
import org.eclipse.microprofile.graphql.NonNull;
import org.eclipse.microprofile.graphql.Query;

/** Signing in and who am I. */
@GraphQLApi
public class AuthApi {
  // A fixed hash to compare against when the user does not exist, so that timing does not tell
  // which user names exist.
  private static final String DUMMY_HASH = BcryptUtil.bcryptHash("not-a-password");

  private final UserRepository users;
  private final TokenService tokens;
  private final CallerResolver callers;
  private final AuthConfig config;
  private final Admission admission;
  private final LoginBackoff backoff;
  private final CurrentVertxRequest request;
  private final Sessions sessions;

  public AuthApi(
      UserRepository users,
      TokenService tokens,
      CallerResolver callers,
      AuthConfig config,
      Admission admission,
      LoginBackoff backoff,
      CurrentVertxRequest request,
      Sessions sessions) {
    this.sessions = sessions;
    this.backoff = backoff;
    this.request = request;
    this.users = users;
    this.tokens = tokens;
    this.callers = callers;
    this.config = config;
    this.admission = admission;
  }

  @Mutation
  @Description(
      "Signs in with the built-in user store and returns a bearer token. After repeated failures"
          + " for a user name or from an address, attempts are refused with RATE_LIMITED (and"
          + " extensions.retryAfterSeconds) until the wait is over, whatever the password.")
  public Uni<@NonNull LoginPayload> login(@NonNull String username, @NonNull String password) {
    if (!config.builtInUsers()) {
      return Uni.createFrom()
          .failure(new ForbiddenException("sign in through the identity provider"));
    }
    if (username.isBlank() || username.length() > 64 || password.length() > 256) {
      return Uni.createFrom().failure(new ValidationException("invalid username or password"));
    }
    String address = clientAddress();
    try {
      backoff.attempt(username, address);
    } catch (RateLimitedException e) {
      return Uni.createFrom().failure(e);
    }
    return users
        .byName(username)
        // bcrypt is deliberately slow: keep it off the event loop.
        .emitOn(Infrastructure.getDefaultWorkerPool())
        .map(
            user -> {
              String hash =
                  user == null || user.passwordHash == null ? DUMMY_HASH : user.passwordHash;
              boolean ok = BcryptUtil.matches(password, hash);
              if (user == null || user.passwordHash == null || !ok) {
                throw new UnauthenticatedException("invalid username or password");
              }
              backoff.succeeded(username, address);
              return new LoginPayload(tokens.issue(user), User.from(user));
            });
  }

  /**
   * The address the request came from: the socket's peer, or what a trusted proxy forwarded when
   * {@code quarkus.http.proxy.proxy-address-forwarding} is on. Null where there is no HTTP request.
   */
  private String clientAddress() {
    try {
      RoutingContext rc = request.getCurrent();
      SocketAddress peer = rc == null ? null : rc.request().remoteAddress();
      return peer == null ? null : peer.hostAddress();
    } catch (ContextNotActiveException e) {
      return null;
    }
  }

  @Mutation
  @Description(
      "Signs out: the token of this request is refused from now on, on every gateway replica, over"
          + " HTTP and WebSocket alike; the GraphQL WebSockets and displays it opened are closed."
          + " Returns true.")
  public Uni<@NonNull Boolean> logout() {
    return callers.session().flatMap(sessions::revoke).replaceWith(Boolean.TRUE);
  }

  @Query
  @Description("The signed-in user.")
  public Uni<@NonNull User> me() {
    return callers
        .caller()
        .flatMap(
            c ->
                users
                    .byId(c.userId())
                    .map(
                        u -> {
                          if (u == null) {
                            throw new NotFoundException("your user no longer exists");
                          }
                          return User.from(u);
                        }));
  }

  @Query
  @Description("All users (admin only).")
  public Uni<@NonNull List<@NonNull User>> users() {
    return admission.admitRead(
        () ->
            callers
                .caller()
                .map(c -> c.requireAdmin())
                .flatMap(c -> users.people())
                .map(list -> list.stream().map(User::from).toList()));
  }
}
