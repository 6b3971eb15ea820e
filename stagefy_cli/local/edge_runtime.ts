// Runs one Edge Function the way supabase/edge-runtime hands it requests (`deno run ... <this>
// <index.ts>`): its `Deno.serve` gives every handler the same connection info, a placeholder peer
// (ext/runtime/js/http.js), so the caller's address reaches a function only in the headers the
// platform's gateway sets. The local stack runs its functions through this, so everything run
// locally meets what the hosted platform does.
import { pathToFileURL } from "node:url";

export const EDGE_RUNTIME_INFO = { remoteAddr: { hostname: "0.0.0.0", port: 9999, transport: "tcp" } };

type Handler = (request: Request, info: unknown) => Response | Promise<Response>;

const serve = Deno.serve as (...args: unknown[]) => Deno.HttpServer;

function withEdgeRuntimeInfo(handler: Handler): Handler {
  return (request) => handler(request, EDGE_RUNTIME_INFO);
}

// The three call shapes of Deno.serve (handler; options, handler; options with `handler`), each
// served with the same handler given edge-runtime's connection info instead of the socket's.
Object.defineProperty(Deno, "serve", {
  value: (first: unknown, second?: unknown) => {
    if (typeof first === "function") return serve(withEdgeRuntimeInfo(first as Handler));
    if (typeof second === "function") return serve(first, withEdgeRuntimeInfo(second as Handler));
    const options = first as { handler: Handler };
    return serve({ ...options, handler: withEdgeRuntimeInfo(options.handler) });
  },
});

await import(pathToFileURL(Deno.args[0]).href);
