import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer: a static bundle served by Electron's parley://app protocol (relative base: assets and
// AudioWorklet modules resolve against the page, whatever serves it) or served by
// `parley serve`.
export default defineConfig(({ mode }) => ({
  root: 'renderer',
  base: './',
  plugins: [react()],
  // A build is what users get: React's production build, whatever NODE_ENV the calling shell or
  // test runner has (vitest sets "test", which vite would otherwise hand to React). `--mode
  // development` still gives the development build on purpose.
  define: mode === 'production' ? { 'process.env.NODE_ENV': JSON.stringify('production') } : {},
  build: {
    outDir: '../out/renderer',
    emptyOutDir: true,
    target: 'chrome130',
    sourcemap: true,
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
}));
