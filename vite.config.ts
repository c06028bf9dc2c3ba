import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer: a static bundle loaded from file:// by Electron (hence relative base) or served by
// `parley serve` in later milestones.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'chrome130',
    sourcemap: true,
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
});
