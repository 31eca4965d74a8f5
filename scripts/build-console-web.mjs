// Builds the console's web UI: type-checks packages/console/web (esbuild does not), then
// bundles it into packages/console/dist/web (one JS file, one CSS file, index.html): no CDN,
// nothing fetched at run time, so the console works offline. Run by `npm run build`.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'packages/console/web');
const out = join(root, 'packages/console/dist/web');

try {
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', web], { stdio: 'inherit' });
} catch {
  process.exit(1); // tsc printed the errors
}
await mkdir(join(out, 'assets'), { recursive: true });
await build({
  entryPoints: [join(web, 'src/main.ts')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  outfile: join(out, 'assets/app.js'),
  logLevel: 'warning',
});
await copyFile(join(web, 'style.css'), join(out, 'assets/app.css'));
await copyFile(join(web, 'index.html'), join(out, 'index.html'));
