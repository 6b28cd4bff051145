import type { Role } from "../gql/graphql";

/** The signed-in user, kept in sessionStorage: it ends with the browser tab, not with a reload. */
export interface Session {
  token: string;
  user: { id: string; username: string; role: Role };
}

const KEY = "opencdi.session";

export function loadSession(storage: Storage = window.sessionStorage): Session | null {
  const raw = storage.getItem(KEY);
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as Session;
    return parsed.token && parsed.user?.username ? parsed : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null, storage: Storage = window.sessionStorage) {
  if (session) storage.setItem(KEY, JSON.stringify(session));
  else storage.removeItem(KEY);
}
