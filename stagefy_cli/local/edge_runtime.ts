// Runs one Edge Function the way supabase/edge-runtime hands it requests (`deno run ... <this>
// <index.ts>`): its `Deno.serve` gives every handler the same connection info, a placeholder peer
// (ext/runtime/js/http.js), so the caller's address reaches a function only in the headers the
// platform's gateway sets; and it serves where the runtime says, whatever port or hostname the
// function asks for (here: STAGEFY_FUNCTION_LISTEN, `host:port`, which the function does not see).
// The local stack runs its functions through this, so everything run locally meets what the hosted
// platform does, on the wheel's Deno and on the older one the edge runtime embeds.
import { pathToFileURL } from "node:url";

export const EDGE_RUNTIME_INFO = { remoteAddr: { hostname: "0.0.0.0", port: 9999, transport: "tcp" } };

type Handler = (request: Request, info: unknown) => Response | Promise<Response>;

const serve = Deno.serve as (options: unknown, handler: Handler) => Deno.HttpServer;
const listen = Deno.env.get("STAGEFY_FUNCTION_LISTEN") ?? "127.0.0.1:8000";
Deno.env.delete("STAGEFY_FUNCTION_LISTEN");
const [hostname, port] = [
  listen.slice(0, listen.lastIndexOf(":")),
  Number(listen.slice(listen.lastIndexOf(":") + 1)),
];

function withEdgeRuntimeInfo(handler: Handler): Handler {
  return (request) => handler(request, EDGE_RUNTIME_INFO);
}

// The three call shapes of Deno.serve (handler; options, handler; options with `handler`), each
// served at the runtime's address with the handler given edge-runtime's connection info.
Object.defineProperty(Deno, "serve", {
  value: (first: unknown, second?: unknown) => {
    const options = (typeof first === "function" ? {} : first) as Record<string, unknown>;
    const handler = (typeof first === "function" ? first : second ?? options.handler) as Handler;
    const { handler: _ignored, ...rest } = options;
    return serve({ ...rest, hostname, port, onListen: () => {} }, withEdgeRuntimeInfo(handler));
  },
});

await import(pathToFileURL(Deno.args[0]).href);
