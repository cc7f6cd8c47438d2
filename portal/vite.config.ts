import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by each gateway at /portal/ (gateway-api/src/portal.ts). The core's market rules need only
// SHA-256 of node:crypto: src/node-crypto.ts gives it to the browser.
export default defineConfig({
  base: '/portal/',
  plugins: [react()],
  resolve: { alias: { 'node:crypto': fileURLToPath(new URL('./src/node-crypto.ts', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
});
