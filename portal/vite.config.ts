import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by each gateway at /portal/ (gateway-api/src/portal.ts).
export default defineConfig({
  base: '/portal/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
});
