import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as another project gets it: `npm pack` the built package, install the tarball
 * into an empty project, then type-check the README's code snippet there with `strict` and
 * `skipLibCheck: false`, and run it. Dependencies come from npm's cache (filled by `npm ci`),
 * else from the registry (`--prefer-offline`); install scripts are skipped and the optional
 * tfjs-node is left out, so nothing is fetched from outside the registry.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** The README's "Use it from code" snippet, as written. */
function readmeSnippet(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it from code'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('expected a ```ts block under "## Use it from code" in README.md, got none');
  return m[1]!;
}

/** Newest modification time under `dir` (files ending in `ext`), ms. */
function newest(dir: string, ext: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(ext)) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return t;
}

/** Run a command (asynchronously: a blocked worker would miss vitest's RPC deadlines); its stdout. */
async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await promisify(execFile)(cmd, args, { cwd, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 << 20 })).stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? ''}${e.message}`);
  }
}

describe('npm pack, installed into an empty project', () => {
  let work: string;
  let tarball: string;
  let consumer: string;
  let files: string[];

  beforeAll(async () => {
    const dist = join(ROOT, 'dist/index.js');
    let built = 0;
    try {
      built = statSync(dist).mtimeMs;
    } catch {
      throw new Error(`expected a built package at ${dist}, got no such file: run \`npm run build\``);
    }
    if (newest(join(ROOT, 'src'), '.ts') > built) throw new Error('expected dist/ built from the current src/, got older files: run `npm run build`');
    work = mkdtempSync(join(tmpdir(), 'simenv-pack-'));
    const name = (await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], ROOT)).trim().split('\n').pop()!;
    tarball = join(work, name);
    files = (await run('tar', ['tzf', tarball], work)).split('\n').filter(Boolean);
    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=optional', tarball], consumer);
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('carries LICENSE, the docs the README links, the schemas and the example traces', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const linkedDocs = [...readme.matchAll(/\]\((docs\/[^)#]+)/g)].map((m) => m[1]!);
    expect(linkedDocs.length).toBeGreaterThan(0);
    for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/learned.d.ts', 'examples/traces/README.md', ...linkedDocs]) {
      expect(files).toContain(`package/${f}`);
    }
    for (const t of ['dsb-scaling.sktrace', 'dsb-large.json', 'nginx-small.json']) expect(files).toContain(`package/examples/traces/${t}`);
    expect(readFileSync(join(consumer, 'node_modules/simenv/LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the simenv authors/);
  });

  it("type-checks the README snippet with strict and skipLibCheck: false, and runs it", async () => {
    writeFileSync(join(consumer, 'index.ts'), readmeSnippet());
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, outDir: 'out' },
        files: ['index.ts'],
      }),
    );
    await run(process.execPath, [TSC, '-p', '.'], consumer);
    // The snippet runs an HPA episode on the bundled trace, found from the installed package.
    await run(process.execPath, ['out/index.js'], consumer);
  }, 180_000);

  it('loads from CommonJS with a dynamic import, and resolves the traces subpath', async () => {
    writeFileSync(
      join(consumer, 'check.cjs'),
      [
        "(async () => {",
        "  const simenv = await import('simenv');",
        "  const path = simenv.exampleTracePath('dsb-scaling.sktrace');",
        "  const viaSubpath = require('node:url').fileURLToPath(await import('./resolve.mjs').then((m) => m.resolveTrace()));",
        "  console.log(JSON.stringify({ path, viaSubpath, learned: typeof (await import('simenv/learned')).DqnLearner }));",
        "})().catch((e) => { console.error(e); process.exit(1); });",
      ].join('\n'),
    );
    writeFileSync(join(consumer, 'resolve.mjs'), "export const resolveTrace = () => import.meta.resolve('simenv/examples/traces/dsb-scaling.sktrace');\n");
    const out = JSON.parse(await run(process.execPath, ['check.cjs'], consumer)) as { path: string; viaSubpath: string; learned: string };
    const installed = join(consumer, 'node_modules/simenv/examples/traces/dsb-scaling.sktrace');
    expect(out.path).toBe(installed);
    expect(out.viaSubpath).toBe(installed);
    expect(out.learned).toBe('function');
  });
});
