// Stagefy's PayFast Edge Function: checkout links and subscription changes for the signed-in user,
// and PayFast's payment notifications. It holds the merchant id, key and passphrase (function
// secrets); see handler.ts for the routes.
import { loadConfig } from "./config.ts";
import { createHandler } from "./handler.ts";

Deno.serve(createHandler(loadConfig(Deno.env)));
