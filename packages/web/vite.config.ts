// Vite builds the UI into dist/: index.html plus content-hashed assets, which repoman-server
// serves (packages/server/src/http/web-ui.ts). Preact's JSX through esbuild; no plugin needed.
import { defineConfig } from 'vite';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
});
