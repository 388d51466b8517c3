import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";

// The API serves the build at `/` (services/api/dashboard.py); in development, `npm run dev`
// forwards `/v1` to a local `observatoire serve`.
export default defineConfig({
  plugins: [svelte()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Inlined assets would be `data:` URLs; keep every file a real one on our own origin.
    assetsInlineLimit: 0,
    // The policy of the page has no 'unsafe-inline': no inline script, no inline module preload polyfill.
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { "/v1": "http://127.0.0.1:8000" },
  },
});
