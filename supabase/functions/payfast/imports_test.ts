// The function runs offline on the local stack: it may import only its own files and Deno's
// built-in `node:` modules, never `jsr:`, `npm:` or URL imports that would be fetched at run time.
import assert from "node:assert/strict";

Deno.test("imports are relative files or node: built-ins", async () => {
  const here = new URL(".", import.meta.url);
  for await (const entry of Deno.readDir(here)) {
    if (!entry.name.endsWith(".ts")) continue;
    const source = await Deno.readTextFile(new URL(entry.name, here));
    for (const [, specifier] of source.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
      assert.match(specifier, /^(\.\/[\w.-]+\.ts|node:[\w/]+)$/, `${entry.name} imports ${specifier}`);
    }
  }
});
