/**
 * The README and docs/*.md name files of the repository; this fails when one of them does not
 * exist (a file moved and the docs were not told). Checked:
 * - words of inline code spans (`...`, outside fenced blocks) that contain a `/` and start with a
 *   top-level entry of the repository (`core/src/core/errors.ts`, `npx jest test/e2e/30-metering.test.ts`);
 * - relative markdown links (`[x](docs/security.md#mqtt)`), and their anchors when they point at a
 *   markdown file (GitHub's heading slugs).
 * Not checked: URLs, `<placeholders>`, `{params}`, globs, state-directory paths (`.gridledger/...`,
 * `<state>/...`), API paths (`/api/v1/...`), and what the build or a run writes (the directory
 * patterns of .gitignore: `dist/`, `test/bench/results/`, ...).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

const docFiles = (): string[] => [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

const topLevel = new Set(readdirSync(ROOT).filter((e) => e !== '.git' && e !== 'node_modules'));

/** Directory patterns of .gitignore: `dist/` anywhere, `test/bench/results/` from the root. */
const ignoredDirs = readFileSync(join(ROOT, '.gitignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l.endsWith('/') && !l.startsWith('#'));

function ignoredByGit(path: string): boolean {
  return ignoredDirs.some((p) => (p.slice(0, -1).includes('/') ? path.startsWith(p.replace(/^\//, '')) : `/${path}`.includes(`/${p}`)));
}

/** The text outside fenced code blocks, line by line (numbers kept for the messages). */
function proseLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fenced = false;
  text.split('\n').forEach((t, i) => {
    if (/^\s*(```|~~~)/.test(t)) fenced = !fenced;
    else if (!fenced) out.push({ line: i + 1, text: t });
  });
  return out;
}

/** A repository path in a word of an inline code span, or undefined when the word is not one. */
export function repoPathOf(word: string): string | undefined {
  word = word.replace(/^['"(]+|['"),]+$/g, '');
  if (!word.includes('/')) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(word) || /[<>{}*$?[\]]/.test(word)) return undefined;
  const path = word.replace(/[#:].*$/, '').replace(/[.,;]+$/, '');
  const first = path.split('/')[0];
  if (!topLevel.has(first) || first === '.gridledger') return undefined;
  return ignoredByGit(path) ? undefined : path;
}

/** GitHub's anchors of a markdown file's headings. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!m) continue;
    const base = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

function problemsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const problems: string[] = [];
  for (const { line, text: t } of proseLines(text)) {
    const withoutCode = t.replace(/`[^`]*`/g, '');
    for (const m of t.matchAll(/`([^`]+)`/g)) {
      for (const word of m[1].split(/\s+/)) {
        const path = repoPathOf(word);
        if (path !== undefined && !existsSync(join(ROOT, path)))
          problems.push(`${file}:${line}: \`${path}\` (in \`${m[1]}\`) does not exist`);
      }
    }
    for (const m of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const [pathPart, anchor] = target.split('#');
      const resolved = pathPart === '' ? file : relative(ROOT, join(ROOT, dirname(file), pathPart));
      if (!existsSync(join(ROOT, resolved))) {
        problems.push(`${file}:${line}: link ${target} does not exist`);
        continue;
      }
      if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(readFileSync(join(ROOT, resolved), 'utf8')).has(anchor)) {
        problems.push(`${file}:${line}: link ${target}: no heading with anchor #${anchor} in ${resolved}`);
      }
    }
  }
  return problems;
}

describe('paths named in the README and docs/', () => {
  it('recognises repository paths and leaves the rest alone', () => {
    expect(repoPathOf('gateway-api/src/app.ts')).toBe('gateway-api/src/app.ts');
    expect(repoPathOf('network/scripts/build-fabric.sh')).toBe('network/scripts/build-fabric.sh');
    expect(repoPathOf('chaincode/src/ledger.ts:70')).toBe('chaincode/src/ledger.ts');
    expect(repoPathOf('/api/v1/openapi.json')).toBeUndefined();
    expect(repoPathOf('.gridledger/mqtt/ca.crt')).toBeUndefined();
    expect(repoPathOf('<state>/mqtt/ca.crt')).toBeUndefined();
    expect(repoPathOf('test/e2e/30-metering*.test.ts')).toBeUndefined();
    expect(repoPathOf('https://github.com/hyperledger/fabric')).toBeUndefined();
    expect(repoPathOf('network/dist/cli.js')).toBeUndefined();
    expect(repoPathOf('test/bench/results/latest.json')).toBeUndefined();
    expect(repoPathOf("'test/e2e/24-mqtt-security.test.ts'")).toBe('test/e2e/24-mqtt-security.test.ts');
    expect(repoPathOf('gridledger/v1/community-1/meters/x/readings')).toBeUndefined();
  });

  it('computes GitHub heading anchors', () => {
    const a = anchorsOf('# GridLedger\n## Benchmarks: figures\n### Ports (127.0.0.1)\n## MQTT\n## MQTT\n```\n# not a heading\n```\n');
    expect([...a]).toEqual(['gridledger', 'benchmarks-figures', 'ports-127001', 'mqtt', 'mqtt-1']);
  });

  it.each(docFiles())('%s names only paths that exist', (file) => {
    expect(problemsOf(file)).toEqual([]);
  });
});
