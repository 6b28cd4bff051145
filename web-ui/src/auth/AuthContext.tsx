import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { Provider } from "urql";
import { createApiClient } from "../api/client";
import { loadSession, saveSession, type Session } from "./session";

interface Auth {
  session: Session | null;
  isAdmin: boolean;
  signIn: (session: Session) => void;
  signOut: () => void;
}

const AuthContext = createContext<Auth | null>(null);

/** Holds the session and gives the tree a GraphQL client bound to its token. */
export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const signIn = useCallback((s: Session) => {
    saveSession(s);
    setSession(s);
  }, []);
  const signOut = useCallback(() => {
    saveSession(null);
    setSession(null);
  }, []);
  const token = session?.token ?? null;
  const api = useMemo(() => createApiClient(token, signOut), [token, signOut]);
  useEffect(() => () => api.dispose(), [api]);
  const value = useMemo(
    () => ({ session, isAdmin: session?.user.role === "ADMIN", signIn, signOut }),
    [session, signIn, signOut],
  );
  return (
    <AuthContext.Provider value={value}>
      <Provider value={api.client}>{children}</Provider>
    </AuthContext.Provider>
  );
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}
