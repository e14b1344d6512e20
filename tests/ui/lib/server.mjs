// One liuhen server per test file: the debug binary started with `--demo`
// on a fresh temporary data folder and a free port (the kernel's choice,
// read back from the server's "listening on" line), ready once /healthz
// answers. It runs in its own process group, stopped with the whole group
// when the file's tests end — or when this process exits or is interrupted,
// so no server is ever left running.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests/ui/lib/../../..). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The binary `cargo build -p liuhen` made: LIUHEN_TEST_UI_BIN, or debug/liuhen under CARGO_TARGET_DIR (default target/). */
export function binaryPath() {
  if (process.env.LIUHEN_TEST_UI_BIN) return process.env.LIUHEN_TEST_UI_BIN;
  const target = process.env.CARGO_TARGET_DIR ? resolve(ROOT, process.env.CARGO_TARGET_DIR) : join(ROOT, 'target');
  return join(target, 'debug', 'liuhen');
}

const running = new Set();

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

// The last resort: whatever way this process ends, its servers end with it
// (and their data folders go).
function killAll() {
  for (const s of running) {
    killGroup(s.child, 'SIGKILL');
    if (!process.env.LIUHEN_TEST_UI_KEEP_DATA) rmSync(s.data, { recursive: true, force: true });
    if (s.pidFile) rmSync(s.pidFile, { force: true });
  }
  running.clear();
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    killAll();
    process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 })[sig]);
  });
}

/**
 * Starts a server; resolves once /healthz answers 200.
 * @returns {Promise<{base: string, data: string, logins: {login: string, password: string, role: string, unit: string}[],
 *   password: (login: string) => string, log: () => string, stop: () => Promise<void>}>}
 */
export async function startServer({ args = [], timeoutMs = 60_000 } = {}) {
  const bin = binaryPath();
  if (!existsSync(bin)) throw new Error(`no liuhen binary at ${bin}: build it with \`cargo build -p liuhen\` (or set LIUHEN_TEST_UI_BIN)`);
  const data = mkdtempSync(join(tmpdir(), 'liuhen-ui-'));
  const child = spawn(bin, ['serve', '--demo', '--data', data, '--listen', '127.0.0.1:0', ...args], {
    detached: true, // its own process group, killed as one
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let spawnError = null;
  child.on('error', (e) => { spawnError = e; });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
  // run.sh stops what is listed here if this process dies without cleaning up.
  const pidFile = process.env.LIUHEN_TEST_UI_PIDS ? join(process.env.LIUHEN_TEST_UI_PIDS, `${child.pid}.pid`) : null;
  if (pidFile) writeFileSync(pidFile, `${child.pid}\n${data}\n`);
  const server = { child, exited, data, pidFile };
  running.add(server);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      killGroup(child, 'SIGTERM');
      const t = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    killGroup(child, 'SIGKILL'); // anything the server itself started
    running.delete(server);
    if (pidFile) rmSync(pidFile, { force: true });
    if (!process.env.LIUHEN_TEST_UI_KEEP_DATA) rmSync(data, { recursive: true, force: true });
  };

  const fail = async (why) => {
    await stop();
    throw new Error(`liuhen did not start: ${why}\n--- stdout ---\n${out.slice(-2000)}\n--- stderr ---\n${err.slice(-4000)}`);
  };

  const deadline = Date.now() + timeoutMs;
  let base = null;
  while (Date.now() < deadline) {
    if (spawnError) return fail(spawnError.message);
    if (child.exitCode !== null || child.signalCode !== null) return fail(`exited (${child.exitCode ?? child.signalCode})`);
    if (!base) {
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) base = m[1].replace(/\/$/, '');
    }
    if (base) {
      try {
        const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (r.ok) break;
      } catch {
        /* not yet */
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!base || Date.now() >= deadline) return fail(`no healthy /healthz within ${timeoutMs} ms`);

  const logins = JSON.parse(readFileSync(join(data, 'demo-logins.json'), 'utf8'));
  return {
    base,
    data,
    logins,
    password(login) {
      const l = logins.find((x) => x.login === login);
      if (!l) throw new Error(`no demo login ${login} in demo-logins.json`);
      return l.password;
    },
    log: () => err,
    stop,
    /** Signs in through the API: the bearer token and the `Cookie` header of that session. */
    async signIn(login) {
      const r = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ login, password: this.password(login) }),
      });
      if (!r.ok) throw new Error(`signing in ${login}: HTTP ${r.status} ${await r.text()}`);
      const { token } = await r.json();
      const cookie = (r.headers.get('set-cookie') || '').split(';')[0];
      return { token, cookie };
    },
    /** GET an API path as `login` (bearer token), parsed JSON. */
    async apiGet(login, path) {
      const { token } = await this.signIn(login);
      const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (!r.ok) throw new Error(`GET ${path} as ${login}: HTTP ${r.status} ${await r.text()}`);
      return r.json();
    },
  };
}
