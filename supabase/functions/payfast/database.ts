// The project's database through its REST API, with fetch: the service role for the function's own
// reads and writes, the caller's token where the database must see the caller (auth.uid()).

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface User {
  id: string;
  email: string;
}

/** The headers that present an API key. A legacy key is a JWT and also goes in Authorization; a
 * new key (`sb_...`) goes in `apikey` alone, and Supabase's gateway puts the role's JWT in
 * Authorization (a new key there must equal `apikey`, and is never a JWT to the APIs behind). */
export function keyHeaders(key: string): Record<string, string> {
  return key.startsWith("sb_") ? { apikey: key } : { apikey: key, Authorization: `Bearer ${key}` };
}

export class Database {
  constructor(
    private readonly url: string,
    private readonly publicKey: string,
    private readonly serviceKey: string,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  /** The signed-in caller, verified by the auth server (what supabase-js `auth.getUser()` does). */
  async user(authorization: string | null): Promise<User> {
    if (!authorization?.toLowerCase().startsWith("bearer ")) {
      throw new HttpError(401, "sign in first (no session was sent)");
    }
    const response = await this.fetchFn(`${this.url}/auth/v1/user`, {
      headers: { apikey: this.publicKey, Authorization: authorization },
    });
    const body = await response.json().catch(() => ({}));
    if (response.status === 401 || response.status === 403 || !body?.id) {
      throw new HttpError(401, "your session is not valid or has expired");
    }
    if (!response.ok) throw new HttpError(502, `the auth server answered ${response.status}`);
    return { id: body.id, email: body.email ?? "" };
  }

  /** Rows of `table` matching a PostgREST query string, read with the service role. */
  select<T>(table: string, query: string): Promise<T[]> {
    return this.request<T[]>("GET", `${table}?${query}`);
  }

  insert(table: string, row: Record<string, unknown>): Promise<unknown> {
    return this.request("POST", table, row, undefined, { Prefer: "return=minimal" });
  }

  /** Call a SQL function; as the service role, or as the caller when `authorization` is given. */
  rpc<T>(fn: string, args: Record<string, unknown>, authorization?: string): Promise<T> {
    return this.request<T>("POST", `rpc/${fn}`, args, authorization);
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    authorization?: string,
    extra: Record<string, string> = {},
  ): Promise<T> {
    const response = await this.fetchFn(`${this.url}/rest/v1/${path}`, {
      method,
      headers: {
        ...(authorization
          ? { apikey: this.publicKey, Authorization: authorization }
          : keyHeaders(this.serviceKey)),
        "Content-Type": "application/json",
        Accept: "application/json",
        ...extra,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const payload = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const message = payload?.message ?? text ?? `HTTP ${response.status}`;
      // PostgREST maps the project's P0404/P0422 error codes to 404/422-ish statuses; keep the meaning.
      const status = payload?.code === "P0404" ? 404 : payload?.code === "P0422" ? 409 : response.status;
      throw new HttpError(status, message);
    }
    return payload as T;
  }
}
