import { defineConfig } from 'vite';

// The preload runs sandboxed, where only CommonJS and the 'electron' module are available:
// bundle it (zod and the shared contract included) into one .cjs file.
export default defineConfig({
  build: {
    outDir: 'out/preload',
    emptyOutDir: true,
    target: 'node22',
    minify: false,
    sourcemap: true,
    lib: { entry: 'electron/preload/index.ts', formats: ['cjs'], fileName: () => 'index.cjs' },
    rollupOptions: { external: ['electron'] },
  },
});
