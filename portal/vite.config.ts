import { defineConfig } from 'vite';

// The build lands in the Go package that embeds it; `make build` runs this
// and then go build. `npm run dev` serves the sources with the API of an
// `aurigraph dev` on 127.0.0.1:8080 behind the same origin.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../internal/portal/dist/app',
    // internal/portal serves this directory with year-long cache lifetimes.
    assetsDir: 'static',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', ws: true },
      '/q': 'http://127.0.0.1:8080',
    },
  },
});
