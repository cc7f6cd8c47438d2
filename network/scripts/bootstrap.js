'use strict';
/**
 * Installs what `npm start` / `npm test` need and a machine lacks, then prints the directory of the
 * pinned Node.js binary (bootstrap.sh puts it first on PATH and runs the command there):
 *   - Node.js at the version in .nvmrc: the node on PATH when its major is the pinned one, otherwise
 *     the official binary from the npm registry (package node-<platform>-<arch>), unpacked once into
 *     the cache (${GRIDLEDGER_CACHE:-${XDG_CACHE_HOME:-~/.cache}/gridledger}/node-<version>);
 *   - the Debian packages (apt-get as root or through sudo, otherwise a message naming them);
 *   - npm dependencies: `npm ci` on the pinned runtime, when node_modules was not installed from
 *     this package-lock.json by this Node.js major (native modules are built against its headers);
 *   - the Fabric build (build-fabric.sh), schemathesis for the tests, `tsc -b` and the portal's build (Vite).
 * Runs on any Node.js from 18 on with built-in modules only: it runs before `npm ci`.
 * `plan` is the pure decision; the rest gathers the facts and carries the plan out.
 *
 *   node network/scripts/bootstrap.js start|test|run
 */
const { execFileSync, spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { homedir } = require('node:os');
const { delimiter, dirname, join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const STAMP = join('node_modules', '.gridledger-install');

/**
 * Debian packages each profile needs: the broker and its clients, the Fabric build, ip (the bench's
 * consortium of network namespaces), the font of the simulation report's charts, the tests' tools (the
 * portal's: a browser and fonts).
 */
const PACKAGES = {
  start: [
    'ca-certificates',
    'gcc',
    'libc6-dev',
    'openssl',
    'jq',
    'tar',
    'gzip',
    'mosquitto',
    'mosquitto-clients',
    'iproute2',
    'fonts-dejavu-core',
  ],
  test: ['python3', 'python3-venv', 'python3-pip', 'chromium', 'fonts-liberation'],
};

const PROFILES = {
  start: { packages: PACKAGES.start, fabric: true, schemathesis: false, build: true },
  test: { packages: [...PACKAGES.start, ...PACKAGES.test], fabric: true, schemathesis: true, build: true },
  run: { packages: [], fabric: false, schemathesis: false, build: false },
};

/** '24.22.3', 'v24.22.3' -> 24 */
const majorOf = (version) => Number(String(version).replace(/^v/, '').split('.')[0]);

/** What node_modules records of the install that made it: the lock file's hash and the runtime's major. */
const stampOf = (lockHash, nodeMajor) => `${lockHash} node-${nodeMajor}\n`;

/**
 * The pure decision. facts: { profile, pinned ('24.22.3'), current (process.version of the node on
 * PATH), cached (the pinned binary is unpacked in the cache), lockHash, stamp (content of the
 * install stamp or null), missing (Debian packages of the profile not installed), canInstall (root
 * or sudo) }. Returns { runtime: 'current' | 'cache', steps: [{ kind, ... }] } in execution order.
 */
function plan(facts) {
  const profile = PROFILES[facts.profile];
  if (!profile) throw new Error(`bootstrap: unknown profile '${facts.profile}' (start, test or run)`);
  const runtime = majorOf(facts.current) === majorOf(facts.pinned) ? 'current' : 'cache';
  const steps = [];
  if (runtime === 'cache' && !facts.cached) steps.push({ kind: 'fetch-runtime', version: facts.pinned });
  const missing = facts.missing.filter((p) => profile.packages.includes(p));
  if (missing.length > 0) steps.push({ kind: facts.canInstall ? 'apt-install' : 'apt-refused', packages: missing });
  if (facts.stamp !== stampOf(facts.lockHash, majorOf(facts.pinned))) steps.push({ kind: 'npm-ci' });
  if (profile.fabric) steps.push({ kind: 'fabric' });
  if (profile.schemathesis) steps.push({ kind: 'schemathesis' });
  if (profile.build) steps.push({ kind: 'build' });
  return { runtime, steps };
}

// ---- the shell around it ----

const cacheRoot = () => process.env.GRIDLEDGER_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'gridledger');
const runtimeDir = (version) => join(cacheRoot(), `node-${version}`);
const readOrNull = (file) => (existsSync(file) ? readFileSync(file, 'utf8') : null);
const log = (message) => process.stderr.write(`bootstrap: ${message}\n`);

function onPath(command) {
  return (process.env.PATH || '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
}

/** Debian packages of the list that dpkg does not report installed; none where there is no dpkg. */
function missingPackages(packages) {
  if (packages.length === 0 || !onPath('dpkg-query')) return [];
  const out = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...packages], { encoding: 'utf8' }).stdout || '';
  const installed = new Set(
    out
      .split('\n')
      .filter((l) => l.endsWith(' install ok installed'))
      .map((l) => l.split(' ')[0].split(':')[0]),
  );
  return packages.filter((p) => !installed.has(p));
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['inherit', process.stderr, 'inherit'], ...options });
  if (result.status !== 0) {
    log(`${[command, ...args].join(' ')} failed (${result.error ? result.error.message : `exit ${result.status}`})`);
    process.exit(1);
  }
}

/** Fetches the official Node.js binary package from the npm registry and unpacks it, in one rename. */
function fetchRuntime(version) {
  const pkg = `node-${process.platform}-${process.arch}@${version}`;
  const target = runtimeDir(version);
  log(`Node.js ${version} (${pkg} from the npm registry) into ${target}, once`);
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(`${target}.tmp-`);
  try {
    const packed = execFileSync('npm', ['pack', pkg, '--loglevel=error', '--pack-destination', staging], { encoding: 'utf8' });
    const tarball = packed.trim().split('\n').pop();
    const tree = join(staging, 'tree');
    mkdirSync(tree);
    run('tar', ['-xzf', join(staging, tarball), '-C', tree, '--strip-components=1']);
    const got = execFileSync(join(tree, 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim();
    if (got !== `v${version}`) throw new Error(`${pkg} runs as ${got}`);
    try {
      renameSync(tree, target);
    } catch (e) {
      if (!existsSync(join(target, 'bin', 'node'))) throw e; // a concurrent bootstrap got there first
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function main() {
  const profileName = process.argv[2];
  const pinned = readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim();
  const lockHash = createHash('sha256')
    .update(readFileSync(join(ROOT, 'package-lock.json')))
    .digest('hex');
  const root = process.getuid && process.getuid() === 0;
  const facts = {
    profile: profileName,
    pinned,
    current: process.version,
    cached: existsSync(join(runtimeDir(pinned), 'bin', 'node')),
    lockHash,
    stamp: readOrNull(join(ROOT, STAMP)),
    missing: missingPackages((PROFILES[profileName] || { packages: [] }).packages),
    canInstall: root || onPath('sudo'),
  };
  const { runtime, steps } = plan(facts);
  const bin = runtime === 'current' ? dirname(process.execPath) : join(runtimeDir(pinned), 'bin');
  const prefix = dirname(bin);
  const env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH}` };
  // Native modules (node-gyp) build against the pinned runtime's own headers, not a download.
  if (existsSync(join(prefix, 'include', 'node'))) env.npm_config_nodedir = prefix;
  const quiet = ['ignore', 'ignore', 'inherit']; // the install scripts print their result's path on stdout
  const asRoot = (args) => (root ? run(args[0], args.slice(1)) : run('sudo', args));
  for (const step of steps) {
    switch (step.kind) {
      case 'fetch-runtime':
        fetchRuntime(step.version);
        break;
      case 'apt-install':
        log(`installing Debian packages: ${step.packages.join(' ')}`);
        asRoot(['apt-get', 'update', '-qq']);
        asRoot(['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...step.packages]);
        break;
      case 'apt-refused':
        log(`Debian packages missing, and neither root nor sudo to install them: ${step.packages.join(' ')}`);
        log(`as root: apt-get install ${step.packages.join(' ')}`);
        process.exit(1);
        break;
      case 'npm-ci':
        log(`npm ci on Node.js ${pinned} (node_modules missing, or installed from another package-lock.json or Node.js major)`);
        // npm ci keeps packages already in place: an addon built for another major would stay.
        rmSync(join(ROOT, 'node_modules'), { recursive: true, force: true });
        run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, env });
        writeFileSync(join(ROOT, STAMP), stampOf(lockHash, majorOf(pinned)));
        break;
      case 'fabric':
        run('bash', [join(ROOT, 'network', 'scripts', 'build-fabric.sh')], { cwd: ROOT, env, stdio: quiet });
        break;
      case 'schemathesis':
        run('bash', [join(ROOT, 'test', 'contract', 'install-schemathesis.sh')], { cwd: ROOT, env, stdio: quiet });
        break;
      case 'build':
        run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-b'], { cwd: ROOT, env });
        run('npm', ['run', 'build', '--silent', '-w', 'portal'], { cwd: ROOT, env });
        break;
      default:
        throw new Error(`bootstrap: unknown step ${step.kind}`);
    }
  }
  process.stdout.write(`${bin}\n`);
}

module.exports = { PACKAGES, PROFILES, majorOf, missingPackages, plan, stampOf };

if (require.main === module) {
  try {
    main();
  } catch (e) {
    log(e.message.split('\n')[0]);
    process.exit(1);
  }
}
