/**
 * A throwaway PostgreSQL server for one test file, as the netns tests make their own namespaces:
 * Debian's postgres (installed by scripts/setup-test-deps.sh) in a fresh temporary folder,
 * reachable only over a unix socket in that folder, so test files never share or collide.
 * Debian's psql is the independent client to inspect and tamper with what Airlock wrote.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface PgCluster {
  /** A postgres:// URL for database `db` (default 'airlock_test'), over the unix socket, user postgres, no password. */
  url(db?: string): string;
  /** Runs SQL with Debian's psql (the independent client) against `db`; returns stdout (psql -X -A -t -q -v ON_ERROR_STOP=1). Throws with psql's stderr on failure. */
  psql(sql: string, db?: string): string;
  /** Creates database `name` (psql CREATE DATABASE) and returns its URL. */
  createDatabase(name: string): string;
  /** Stops the server (pg_ctl stop -m fast), keeping its data: an outage, until resume(). */
  pause(): Promise<void>;
  /** Starts the paused server again, on the same socket. */
  resume(): Promise<void>;
  /** Stops the server (pg_ctl stop -m immediate) and removes its folder. */
  stop(): Promise<void>;
}

const NOT_INSTALLED = 'PostgreSQL is not installed: run scripts/setup-test-deps.sh';
const PSQL = '/usr/bin/psql';

/** The newest Debian server's bin folder (/usr/lib/postgresql/<major>/bin), or undefined. */
function serverBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(root, majors[0], 'bin');
}

/** The postgres system user's uid and gid (Debian's package creates it), or undefined. */
function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return undefined;
  }
}

/** The environment without PG* variables, so a developer's PGHOST or PGOPTIONS cannot redirect us. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
}

const errText = (e: unknown): string => {
  const err = e as { stderr?: Buffer | string; message?: string };
  return String(err.stderr ?? '').trim() || String(err.message ?? e);
};

export async function startPgCluster(): Promise<PgCluster> {
  const bin = serverBin();
  const user = postgresUser();
  if (bin === undefined || user === undefined || !existsSync(PSQL)) throw new Error(NOT_INSTALLED);

  // mkdtemp makes it 0700 root's: postgres must own it to create the data folder and socket.
  const root = mkdtempSync(join(tmpdir(), 'airlock-pg-'));
  chownSync(root, user.uid, user.gid);
  const data = join(root, 'data');
  const sock = root;
  const log = join(root, 'server.log');
  // The socket lives in a private folder, so the port only names it (.s.PGSQL.PORT).
  const port = 20000 + Math.floor(Math.random() * 40000);
  const env = cleanEnv();
  // PostgreSQL refuses to run as root; cwd is the folder so postgres never fails to enter ours.
  const asPostgres = (cmd: string, args: string[]) =>
    execFileAsync('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { cwd: root, env });

  const pgCtlStop = ['stop', '-D', data, '-m', 'immediate', '-w'];
  // -l: without a log file the server inherits pg_ctl's stdout and execFile would wait for it forever.
  // listen_addresses='': no TCP at all; fsync and full pages off: nothing here must survive a crash.
  const opts = `-c listen_addresses='' -k ${sock} -c fsync=off -c full_page_writes=off -p ${port}`;
  const pgCtlStart = ['start', '-w', '-D', data, '-l', log, '-o', opts];
  // Best effort when the test file exits without calling stop(): no server outlives its process.
  const onExit = () => {
    try {
      execFileSync('runuser', ['-u', 'postgres', '--', join(bin, 'pg_ctl'), ...pgCtlStop], {
        cwd: root,
        env,
        stdio: 'ignore',
      });
    } catch {}
    rmSync(root, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  // Vitest ends its fork workers with a signal, which skips 'exit' handlers: a detached watchdog
  // reads a pipe from this process and, at end-of-file (this process gone, however it died), stops
  // the server and removes the folder, unless stop() said 'done' first. Detached: Ctrl-C spares it.
  const watchdog = spawn(
    'sh',
    [
      '-c',
      'read -r m; [ "$m" = done ] || { runuser -u postgres -- "$1" stop -D "$2" -m immediate -w; rm -rf "$3"; }',
      'airlock-pg-watchdog',
      join(bin, 'pg_ctl'),
      data,
      root,
    ],
    { cwd: '/', env, detached: true, stdio: ['pipe', 'ignore', 'ignore'] },
  );
  watchdog.on('error', () => {});
  watchdog.stdin.on('error', () => {});
  watchdog.unref();
  (watchdog.stdin as unknown as Socket).unref(); // the pipe must not keep the test process alive
  const disarm = () => {
    process.off('exit', onExit);
    watchdog.stdin.end('done\n');
  };

  try {
    const initdb = ['-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'];
    await asPostgres('initdb', ['-D', data, ...initdb]);
    await asPostgres('pg_ctl', pgCtlStart);
  } catch (e) {
    const serverLog = existsSync(log) ? `\n${readFileSync(log, 'utf8')}` : '';
    disarm();
    onExit();
    throw new Error(`PostgreSQL did not start: ${errText(e)}${serverLog}`);
  }

  const client = ['-h', sock, '-p', `${port}`, '-U', 'postgres'];
  const url = (db = 'airlock_test') =>
    `postgresql://postgres@/${encodeURIComponent(db)}?host=${encodeURIComponent(sock)}&port=${port}`;

  const psql = (sql: string, db = 'airlock_test'): string => {
    try {
      const args = ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', ...client, '-d', db, '-c', sql];
      return execFileSync(PSQL, args, {
        encoding: 'utf8',
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 256 * 1024 * 1024,
      });
    } catch (e) {
      throw new Error(`psql failed: ${errText(e)}`);
    }
  };

  const createDatabase = (name: string): string => {
    psql(`CREATE DATABASE "${name.replaceAll('"', '""')}"`, 'postgres');
    return url(name);
  };

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    disarm();
    try {
      await asPostgres('pg_ctl', pgCtlStop);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };

  try {
    createDatabase('airlock_test');
  } catch (e) {
    await stop();
    throw e;
  }
  const pause = async (): Promise<void> => {
    await asPostgres('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w']);
  };
  const resume = async (): Promise<void> => {
    await asPostgres('pg_ctl', pgCtlStart);
  };
  return { url, psql, createDatabase, pause, resume, stop };
}
