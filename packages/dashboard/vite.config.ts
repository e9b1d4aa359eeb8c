import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The bundle is served by the control API from `/`: every asset is bundled (no external request, no CDN), and
// `vite dev` forwards the API to a running runtime (OPSLOOP_CONTROL_URL, e.g. http://127.0.0.1:7070).
const control = process.env.OPSLOOP_CONTROL_URL;
const proxied = ['/v1', '/api', '/loki'];

// eslint-disable-next-line no-restricted-syntax -- Vite reads the config from the default export.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
    // Fonts are the system's; anything small is inlined, nothing is fetched from elsewhere.
    assetsInlineLimit: 8192,
    // The main chunk is ~600 KB minified (~165 KB gzipped), most of it React 19's DOM client; charts (uPlot)
    // load in a chunk of their own. Served from loopback or a LAN, it paints in a quarter of a second.
    chunkSizeWarningLimit: 700,
  },
  server: control
    ? { proxy: Object.fromEntries(proxied.map((path) => [path, { target: control, changeOrigin: false }])) }
    : {},
});
