// Preload for running @modelcontextprotocol/conformance on Node 20.
// The suite does `import { globSync } from "fs"`, which only exists on Node >= 22.
// A resolve hook redirects `fs` / `node:fs`, only when imported from inside the
// conformance package, to fs-with-glob.mjs (node:fs plus glob's globSync).
import { register } from 'node:module';

register('./fs-hook.mjs', import.meta.url);
