import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// Built into project-svc's classes as static resources (META-INF/resources), so the service serves the console at /.
// `npm run dev` serves it with live reload and passes /api to a running project-svc.
export default defineConfig({
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('../../../target/classes/META-INF/resources', import.meta.url)),
    emptyOutDir: true,
  },
  server: {
    proxy: { '/api': process.env.DEEPLOY_API_URL || 'http://127.0.0.1:8081' },
  },
});
