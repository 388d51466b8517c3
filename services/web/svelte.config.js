import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    // Runes everywhere: one reactivity model for the whole dashboard.
    runes: true,
  },
};
