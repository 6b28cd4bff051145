-- Every replica keeps what the inventory said about a token (user, role, revocation) until told
-- otherwise (ADR 0033). These triggers tell it, whoever makes the change: the API, an operator's
-- SQL, a migration. The payloads are what SessionEnds reads on the channel opencdi_session.

create function opencdi_session_user_changed() returns trigger
    language plpgsql as
$$
begin
    perform pg_notify('opencdi_session', json_build_object('userId', old.id)::text);
    return null;
end
$$;

create trigger app_user_role_or_name_changed
    after update of role, username on app_user
    for each row
    when (old.role is distinct from new.role or old.username is distinct from new.username)
    execute function opencdi_session_user_changed();

create trigger app_user_deleted
    after delete on app_user
    for each row
    execute function opencdi_session_user_changed();

create function opencdi_session_token_revoked() returns trigger
    language plpgsql as
$$
begin
    perform pg_notify('opencdi_session', json_build_object('tokenHash', new.token_hash)::text);
    return null;
end
$$;

create trigger revoked_token_added
    after insert on revoked_token
    for each row
    execute function opencdi_session_token_revoked();
