// Bundles the client into two self-contained files after tsc has checked it:
// dist/cli.bundle.js (what bin/repoman.js runs) and dist/index.bundle.js (the typed API client,
// package.json `main`). The workspace packages it uses (@repoman/bytes, @repoman/api) are
// development dependencies compiled into the bundles, so that `npm install -g ./packages/client`
// from a fresh clone, or from a copy without the checkout (`--install-links`), installs only the
// few registry packages named in `dependencies` (left as imports) and no native module. The
// bundles sit next to tsc's output in dist/, so `new URL('../package.json', import.meta.url)`
// (version.ts) still finds the package's own package.json.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { URL } from 'node:url';

const root = new URL('..', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const external = Object.keys(pkg.dependencies ?? {});
const workspace = external.filter((name) => name.startsWith('@repoman/'));
if (workspace.length > 0) throw new Error(`${workspace.join(', ')}: a workspace package must be a devDependency of the client (the bundle carries it)`);

await build({
  absWorkingDir: new URL('.', root).pathname,
  entryPoints: { 'cli.bundle': 'src/cli.ts', 'index.bundle': 'src/index.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  // Bundled CommonJS code may call require() for node's own modules: give ESM output one.
  banner: { js: "import { createRequire as __repomanRequire } from 'node:module'; const require = __repomanRequire(import.meta.url);" },
  logLevel: 'warning',
});
