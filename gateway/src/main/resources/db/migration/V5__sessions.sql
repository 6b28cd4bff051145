-- Signed-out tokens, shared by every gateway replica: each request and each WebSocket operation
-- looks its token up here. Only a fingerprint (SHA-256) is kept; a row can go once its token has
-- expired, since an expired token is refused anyway.
create table revoked_token (
    token_hash  text primary key,
    expires_at  timestamptz not null
);
create index revoked_token_expires on revoked_token (expires_at);

-- Users of an OIDC provider are the provider's (issuer, subject), never a name: a provider user
-- called "admin" must not become the built-in admin. The name stays for display.
alter table app_user add column oidc_issuer text;
alter table app_user add column oidc_subject text;
alter table app_user add constraint app_user_oidc_identity unique (oidc_issuer, oidc_subject);

-- A display connection ends when the session that asked for its ticket does.
alter table display_ticket add column session_expires_at timestamptz;
