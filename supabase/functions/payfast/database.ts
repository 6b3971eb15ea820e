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

export class Database {
  constructor(
    private readonly url: string,
    private readonly anonKey: string,
    private readonly serviceRoleKey: string,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  /** The signed-in caller, verified by the auth server (what supabase-js `auth.getUser()` does). */
  async user(authorization: string | null): Promise<User> {
    if (!authorization?.toLowerCase().startsWith("bearer ")) {
      throw new HttpError(401, "sign in first (no session was sent)");
    }
    const response = await this.fetchFn(`${this.url}/auth/v1/user`, {
      headers: { Authorization: authorization, apikey: this.anonKey },
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
        apikey: authorization ? this.anonKey : this.serviceRoleKey,
        Authorization: authorization ?? `Bearer ${this.serviceRoleKey}`,
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
