/**
 * The fault suite's full form (`npm run test:faults`): runs test/faults/ at full scale (RLTUNE_FAULTS=full: 20
 * kills of each command, thousands of fuzzed inputs) and writes bench/results/faults-<date>.json: the machine, the
 * commit, the seed, each test passed or failed, and the counts the tests add up (harness.ts `count`): runs,
 * kills, fuzzed inputs, stack traces, hangs, corrupted databases, lost and duplicate records. Exit 1 when a test
 * fails. The short form (`npm run test:faults:short`, in CI) runs the same files at small scale and records nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './machine.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const testDir = fileURLToPath(new URL('../test/faults/', import.meta.url));

const COUNTS = [
  'runs',
  'kills',
  'fuzzed_inputs',
  'stack_traces',
  'hangs',
  'corrupted_databases',
  'lost_records',
  'duplicate_records',
] as const;

function commit(): string | null {
  const r = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Top-level test results of a TAP stream: `ok N - name` / `not ok N - name` at the start of a line. */
function testResults(tap: string): { name: string; ok: boolean }[] {
  const out: { name: string; ok: boolean }[] = [];
  for (const m of tap.matchAll(/^(not ok|ok) \d+ - (.*)$/gm)) out.push({ name: m[2], ok: m[1] === 'ok' });
  return out;
}

function main(): number {
  const scratch = mkdtempSync(join(tmpdir(), 'rltune-faults-run-'));
  const countsFile = join(scratch, 'counts.jsonl');
  const tapFile = join(scratch, 'results.tap');
  writeFileSync(countsFile, '');
  const files = readdirSync(testDir)
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => join(testDir, f));
  const started = Date.now();
  // One file at a time: the kills and the timings of the kernel runs need the machine's cores to themselves.
  const r = spawnSync(
    process.execPath,
    [
      '--test',
      '--test-concurrency=1',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      ...files,
    ],
    {
      cwd: repo,
      stdio: 'inherit',
      env: { ...process.env, RLTUNE_FAULTS: 'full', RLTUNE_FAULTS_COUNTS: countsFile },
    },
  );
  const counts: Record<string, number> = Object.fromEntries(COUNTS.map((k) => [k, 0]));
  for (const line of readFileSync(countsFile, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    for (const [k, v] of Object.entries(JSON.parse(line) as Record<string, number>)) counts[k] = (counts[k] ?? 0) + v;
  }
  const tests = testResults(readFileSync(tapFile, 'utf8'));
  const result = {
    date: new Date().toISOString(),
    commit: commit(),
    machine: machineInfo(),
    mode: 'full',
    seed: Number(process.env.RLTUNE_FAULTS_SEED ?? 20),
    wall_s: Math.round((Date.now() - started) / 100) / 10,
    counts: { ...counts, failed_tests: tests.filter((t) => !t.ok).length },
    tests,
  };
  const dir = join(repo, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `faults-${result.date.slice(0, 10)}.json`);
  writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(`${JSON.stringify(result.counts)}\nwrote ${path}\n`);
  return r.status === 0 && result.counts.failed_tests === 0 ? 0 : 1;
}

process.exitCode = main();
