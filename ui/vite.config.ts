// The dashboard is served by `site serve --api-listen` at /ui/; CMake builds it into the build
// tree (GH_UI_OUT). No inline script anywhere: the site's Content-Security-Policy forbids it.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/ui/",
  build: {
    outDir: process.env.GH_UI_OUT || "dist",
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
});
