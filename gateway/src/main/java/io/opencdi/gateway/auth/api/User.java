package io.opencdi.gateway.auth.api;

import io.opencdi.gateway.auth.UserEntity;
import org.eclipse.microprofile.graphql.Description;
import org.eclipse.microprofile.graphql.Id;
import org.eclipse.microprofile.graphql.NonNull;

/** A user as the API shows it. */
public record User(
    @Id @NonNull String id,
    @NonNull String username,
    @NonNull Role role,
    @Description("Desktop limit an admin set for this user; null: the default applies (see quota).")
        Integer maxDesktops,
    @Description("CPU limit an admin set for this user; null: the default applies (see quota).")
        Long maxCpuMillis,
    @Description("Memory limit an admin set for this user; null: the default applies (see quota).")
        Long maxMemoryMiB) {

  /** The two roles. */
  public enum Role {
    ADMIN,
    USER
  }

  public static User from(UserEntity u) {
    return new User(
        u.id.toString(),
        u.username,
        Role.valueOf(u.role.toUpperCase(java.util.Locale.ROOT)),
        u.maxDesktops,
        u.maxCpuMillis,
        u.maxMemoryMiB);
  }
}
