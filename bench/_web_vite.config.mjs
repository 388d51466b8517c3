// The Vite build of bench/web.py's bare page (services/web/bench.html and src/bench/): the
// dashboard's build settings (services/web/vite.config.ts) with that page as the only entry.
// bench/web.py gives the output directory (--outDir, a temporary one): never services/web/dist.
// No import, so that it loads as it is (--configLoader native) from outside services/web.
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../services/web/", import.meta.url));

export default {
  root,
  logLevel: "warn",
  build: {
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rolldownOptions: { input: { bench: `${root}bench.html` } },
  },
};
