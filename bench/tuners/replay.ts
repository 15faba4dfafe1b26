/**
 * bench/tuners/replay: replays recorded results of bench/tuners/compare from the records in bench/data (nothing
 * measured) and checks that they come out with the same numbers. Prints one JSON object; exits 1 when a result
 * differs or cannot be replayed.
 *
 *   node dist/bench/tuners/replay.js [results.json ...] [--workload NAME]... [--work DIR] [--record]   (npm run bench:replay)
 *
 * Default: every held-out result the README cites (RESULTS below). For each result: the records files of its machine
 * (bench/data/*.jsonl.gz whose machine line has the result's fingerprint) are imported into a database in a
 * temporary directory (once for all results), the machine's probe is set to the one the result recorded (the cost
 * models read it, and the records files hold the probe of the pass that exported them), best-known is a copy of
 * bench/results/best-known.json, and compare.ts runs with the result's settings and --replay-only: a config that is
 * not in the records fails the replay instead of being measured. Compared: everything but times, paths and the
 * machine description (tables, per-workload rows, spaces, ranking, acceptance, zero-shot checks, every run's trials).
 * --workload replays those workloads of each set only and compares what belongs to them (per-workload rows, spaces,
 * zero-shot rows, runs): the quick check of the test. A replay serves the records and caches of the machine the result
 * was recorded on (compare.ts --replay-machine), so it runs on any host of the same instruction set (the search
 * spaces are the target's); it needs the native addon (build/Release: the cost model's networks round differently
 * without it). A result recorded before the RL strategies had options (no settings.rl_options) replays with
 * `incumbents: 0`, as its strategies ran.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { RecordsDB } from '../../src/tune/records/db.js';
import { machineInfo } from '../machine.js';
import { benchArgs } from '../util/args.js';
import { round } from '../util/stats.js';
import { diffResults, restrictTo, type Result } from './replay_diff.js';

/**
 * The results of this machine that the README cites: the search strategies on the training workloads, the held-out
 * sets (each recorded as a replay of its records), the v5 ablation and the training prior (recorded in their
 * measuring passes).
 */
export const RESULTS = [
  'tuners-2026-12-02.json',
  'tuners-rl-2026-12-02.json',
  'tuners-rl-decode-2026-12-02.json',
  'tuners-rl-v3-2026-12-02.json',
  'tuners-rl-v4-2026-12-02.json',
  'tuners-rl-v5-2026-12-02.json',
  'tuners-rl-v6-paired-2026-12-05.json',
  'tuners-ablation-rl-v5-no-incumbents-2026-12-02.json',
  'tuners-train-prior-2026-12-02.json',
];

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const { values, positionals, record } = benchArgs(
  'bench/tuners/replay',
  { workload: { type: 'string', multiple: true }, work: { type: 'string' } },
  { positionals: true },
);
const files =
  positionals.length > 0 ? positionals.map((f) => resolve(f)) : RESULTS.map((f) => join(repo, 'bench', 'results', f));
const only = values.workload?.length ? new Set(values.workload) : null;
const work = values.work ? resolve(values.work) : mkdtempSync(join(tmpdir(), 'rltune-replay-'));
const log = (m: string) => process.stderr.write(`[bench:replay] ${m}\n`);

/** The records files of bench/data holding records of machine `fingerprint` (their first line names it). */
function recordsOf(fingerprint: string): string[] {
  const dir = join(repo, 'bench', 'data');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl.gz'))
    .sort()
    .map((f) => join(dir, f))
    .filter((f) => {
      const text = gunzipSync(readFileSync(f)).toString('utf8');
      return (JSON.parse(text.slice(0, text.indexOf('\n'))) as { fingerprint?: string }).fingerprint === fingerprint;
    });
}

/** The workload set file (bench/tuners/*.json) of a set name. */
function setFile(name: string): string {
  const dir = join(repo, 'bench', 'tuners');
  const f = readdirSync(dir)
    .filter((x) => x.endsWith('.json'))
    .find((x) => (JSON.parse(readFileSync(join(dir, x), 'utf8')) as { name?: string }).name === name);
  if (!f) throw new Error(`no workload set named ${JSON.stringify(name)} in ${dir}`);
  return join(dir, f);
}

/** One database per machine with all of that machine's records files imported (imports are the slow part). */
const dbs = new Map<string, string>();
function databaseOf(fingerprint: string): string {
  let path = dbs.get(fingerprint);
  if (path) return path;
  path = join(work, `records-${fingerprint}.db`);
  const db = new RecordsDB(path);
  for (const f of recordsOf(fingerprint)) {
    const r = db.importLines(gunzipSync(readFileSync(f)).toString('utf8').split('\n'));
    log(`${f.replace(repo, '')}: ${r.results} results imported`);
  }
  db.close();
  dbs.set(fingerprint, path);
  return path;
}

/**
 * The --rl-options of a replay. A result without `settings.rl_options` was recorded before the RL strategies had
 * options (commit b75ad73 added them with `incumbents`, default 24): its strategies started no walkers from the
 * incumbents, which `incumbents: 0` restores.
 */
function rlOptionsArgs(recorded: Record<string, number> | undefined): string[] {
  const o = recorded ?? { incumbents: 0 };
  return Object.keys(o).length ? ['--rl-options', JSON.stringify(o)] : [];
}

/** The commit of the checkout that replays (what code reproduced the numbers), or null outside git. */
function gitCommit(): string | null {
  const r = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function replayOne(file: string) {
  const name = file.replace(/.*\//, '');
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as Result;
  const fp = recorded.machine.fingerprint;
  const db = databaseOf(fp);
  const rdb = new RecordsDB(db);
  rdb.setMachineProbe(fp, recorded.machine.probe);
  rdb.close();
  const s = recorded.settings;
  const set = JSON.parse(readFileSync(setFile(recorded.workload_set), 'utf8')) as { workloads: { name: string }[] };
  const setPath = join(work, `${name}.set.json`);
  writeFileSync(setPath, JSON.stringify({ ...set, workloads: set.workloads.filter((w) => !only || only.has(w.name)) }));
  const bk = join(work, `${name}.best-known.json`),
    out = join(work, `${name}.replay.json`);
  copyFileSync(join(repo, 'bench', 'results', 'best-known.json'), bk);
  const args = [
    '--workloads',
    setPath,
    '--strategies',
    s.strategies.join(','),
    '--seeds',
    s.seeds.join(','),
    '--trials',
    String(s.trials),
    '--transfer',
    s.transfer.join(','),
    ...(s.prior_workloads ? ['--prior-workloads', s.prior_workloads] : []),
    ...(s.policy ? ['--policy', s.policy] : []),
    ...rlOptionsArgs(s.rl_options),
    ...(s.paired ? ['--paired'] : []),
    '--gemm-space',
    String(s.gemm_space ?? 1),
    '--db',
    db,
    '--best-known',
    bk,
    '--replay-only',
    // The recorded machine's records and caches, on this host or another of the same instruction set.
    '--replay-machine',
    fp,
    '--out',
    out,
  ];
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(repo, 'dist', 'bench', 'tuners', 'compare.js'), ...args], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wallS = round((performance.now() - t0) / 1000, 1);
  if (r.status !== 0 || !existsSync(out)) {
    const why =
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => /Error|replay:/.test(l))
        .slice(0, 3)
        .join(' | ') || r.stderr.slice(-500);
    log(`${name}: not replayable (${why}), ${wallS} s`);
    return { file: name, status: 'not replayable', wall_s: wallS, why };
  }
  const replayed = JSON.parse(readFileSync(out, 'utf8')) as Result;
  const measured = replayed.runs.reduce((a, x) => a + x.measured_now, 0);
  const differences = diffResults(restrictTo(recorded, only), restrictTo(replayed, only));
  log(
    `${name}: ${differences.length === 0 ? 'the same' : `${differences.length} differences`}, ${measured} measured, ${wallS} s`,
  );
  return {
    file: name,
    status: differences.length === 0 && measured === 0 ? 'same' : 'differs',
    measured,
    runs: replayed.runs.length,
    wall_s: wallS,
    differences: differences.slice(0, 20),
    differences_total: differences.length,
  };
}

const t0 = performance.now();
const replays = files.map((f) => replayOne(f));
if (!values.work) rmSync(work, { recursive: true, force: true });
const allSame = replays.every((r) => r.status === 'same');
const result = {
  benchmark: 'tuners-replay',
  date: new Date().toISOString(),
  machine: machineInfo(),
  commit: gitCommit(),
  workloads: only ? [...only] : 'all',
  replays,
  all_same: allSame,
  wall_s: round((performance.now() - t0) / 1000, 1),
};
// --record: bench/results/tuners-replay-DATE.json (a whole replay only: a --workload subset is a quick check).
if (record && !only && positionals.length === 0)
  writeFileSync(
    join(repo, 'bench', 'results', `tuners-replay-${result.date.slice(0, 10)}.json`),
    JSON.stringify(result, null, 1) + '\n',
  );
console.log(JSON.stringify(result));
process.exitCode = allSame ? 0 : 1;
