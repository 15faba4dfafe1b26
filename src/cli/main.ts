/**
 * The `rltune` command. Subcommands:
 *   rltune envs [--json] [--module FILE]...
 *   rltune env check <id> [--golden DIR] [--json] [--module FILE]... [--steps N] [--seed N]
 * Exit codes: 0 success, 1 a check failed, 2 a usage error (bad flag, unknown env, unreadable file).
 */
import { resolve } from 'node:path';
import { statSync } from 'node:fs';
import { parseArgs } from './args.js';
import { registeredEnvs, spec as getSpec, make, UnknownEnvError } from '../rl/core/registry.js';
import { checkEnv, type CheckResult } from '../rl/core/check_env.js';
import { findGoldenFiles, replayGolden } from '../rl/core/golden.js';
import { registerBuiltinEnvs } from '../rl/envs/builtin.js';
import { importModule } from '../rl/vector/import_module.js';
import { VERSION } from '../version.js';
import { asksHelp, commandHelp, HELP } from './help.js';
import { CliUsageError, cmdEval, cmdTrain } from './train.js';
import { cmdBenchOp, cmdExport } from './kernel.js';
import { cmdBest, cmdRecords } from './records.js';
import { cmdTune, cmdWorkloads } from './tune.js';

class UsageError extends Error {}

function out(line = ''): void {
  process.stdout.write(line + '\n');
}

async function loadModules(mods: string[] | undefined): Promise<void> {
  for (const m of mods ?? []) {
    try {
      await importModule(m);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
}

async function cmdEnvs(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean' }, module: { type: 'string', multiple: true } },
    allowPositionals: false,
  });
  await loadModules(values.module);
  const rows = registeredEnvs().map((s) => {
    let obs: string,
      act: string,
      obsJson: unknown = null,
      actJson: unknown = null;
    try {
      const e = make(s.id, { disableEnvChecker: true });
      obs = String(e.observationSpace);
      act = String(e.actionSpace);
      obsJson = e.observationSpace.toJSON();
      actJson = e.actionSpace.toJSON();
      e.close();
    } catch (err) {
      obs = act = `(cannot make: ${(err as Error).message})`;
    }
    return {
      id: s.id,
      observation_space: obs,
      action_space: act,
      max_episode_steps: s.maxEpisodeSteps,
      reward_threshold: s.rewardThreshold,
      obsJson,
      actJson,
    };
  });
  if (values.json) {
    out(
      JSON.stringify({
        envs: rows.map((r) => ({
          id: r.id,
          observation_space: r.observation_space,
          action_space: r.action_space,
          max_episode_steps: r.max_episode_steps,
          reward_threshold: r.reward_threshold,
          observation_space_json: r.obsJson,
          action_space_json: r.actJson,
        })),
      }),
    );
    return 0;
  }
  const w = Math.max(...rows.map((r) => r.id.length));
  out(`${'id'.padEnd(w)}  steps  threshold  observation space / action space`);
  for (const r of rows) {
    const steps = r.max_episode_steps === null ? '-' : String(r.max_episode_steps);
    const thr = r.reward_threshold === null ? '-' : String(r.reward_threshold);
    out(`${r.id.padEnd(w)}  ${steps.padStart(5)}  ${thr.padStart(9)}  ${r.observation_space}`);
    out(`${''.padEnd(w)}  ${''.padStart(5)}  ${''.padStart(9)}  ${r.action_space}`);
  }
  out(`${rows.length} environments`);
  return 0;
}

function parseIntFlag(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new UsageError(`--${name} expects a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

async function cmdEnvCheck(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      golden: { type: 'string' },
      json: { type: 'boolean' },
      module: { type: 'string', multiple: true },
      steps: { type: 'string' },
      seed: { type: 'string' },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1)
    throw new UsageError(
      `env check takes one env id, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`,
    );
  const id = positionals[0];
  const steps = parseIntFlag('steps', values.steps, 300);
  const seed = parseIntFlag('seed', values.seed, 12345);
  await loadModules(values.module);
  getSpec(id); // an unknown id is a usage error, with suggestions
  if (values.golden !== undefined) {
    let isDir = false;
    try {
      isDir = statSync(values.golden).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir)
      throw new UsageError(`golden directory ${values.golden} cannot be read (it must be a directory of trace files)`);
  }

  const report = checkEnv(id, { steps, seed });
  const results: CheckResult[] = [...report.results];
  let golden = {
    episodes: 0,
    transitions: 0,
    maxAbsErr: 0,
    maxRewardErr: 0,
    files: [] as string[],
    failures: [] as string[],
  };
  if (values.golden !== undefined) {
    try {
      const files = findGoldenFiles(values.golden, id);
      golden = replayGolden(id, files);
      if (files.length === 0) {
        results.push({
          name: `golden ${values.golden}`,
          ok: false,
          message: `no trace for ${id} in ${values.golden}: nothing was replayed`,
        });
      }
      for (const f of files) {
        const mine = golden.failures.filter((m) => m.startsWith(f.file));
        results.push(
          mine.length === 0
            ? { name: `golden ${f.file}`, ok: true }
            : { name: `golden ${f.file}`, ok: false, message: mine.slice(0, 5).join('\n') },
        );
      }
    } catch (err) {
      results.push({
        name: `golden ${values.golden}`,
        ok: false,
        message: `${(err as Error).name}: ${(err as Error).message}`,
      });
      golden.failures.push((err as Error).message);
    }
  }
  const failed = results.filter((r) => !r.ok).length;
  for (const r of results) {
    out(
      `${r.ok ? '  ok  ' : '  FAIL'} ${r.name}${r.message ? `\n         ${r.message.replace(/\n/g, '\n         ')}` : ''}`,
    );
  }
  if (values.golden !== undefined) {
    out(
      `golden: ${golden.files.length} file(s), ${golden.episodes} episodes, ${golden.transitions} transitions, ` +
        `max abs error ${golden.maxAbsErr.toExponential(2)}, max relative reward error ${golden.maxRewardErr.toExponential(2)}`,
    );
  }
  out(`${id}: ${results.length} checks, ${failed} failed`);
  if (values.json) {
    out(
      JSON.stringify({
        env: id,
        checks: results.length,
        failed,
        golden_episodes: golden.episodes,
        golden_transitions: golden.transitions,
        golden_max_abs_err: golden.maxAbsErr,
        golden_max_reward_err: golden.maxRewardErr,
        golden_files: golden.files,
        failures: results.filter((r) => !r.ok).map((r) => ({ check: r.name, message: r.message })),
      }),
    );
  }
  return failed === 0 ? 0 : 1;
}

/** The JSON line printed with --json when the command could not run: the command's usual keys, and `error`. */
function errorResult(argv: string[], message: string): Record<string, unknown> {
  if (argv[0] === 'env' && argv[1] === 'check') {
    const id =
      argv
        .slice(2)
        .find(
          (a, i, all) =>
            !a.startsWith('-') && !(i > 0 && ['--golden', '--module', '--steps', '--seed'].includes(all[i - 1])),
        ) ?? null;
    return {
      env: id,
      checks: 0,
      failed: 1,
      golden_episodes: 0,
      golden_transitions: 0,
      golden_max_abs_err: 0,
      error: message,
    };
  }
  return { error: message };
}

/** The records database a command uses: its --db, else ./rltune.db. */
function dbOf(argv: string[]): string {
  const i = argv.indexOf('--db');
  const eq = argv.find((a) => a.startsWith('--db='));
  return resolve(i >= 0 && i + 1 < argv.length ? argv[i + 1] : eq ? eq.slice('--db='.length) : 'rltune.db');
}

/**
 * The error's message, said as a user needs it: SQLite's "disk I/O error" or "database or disk is full" name no
 * file, so the database and the likely cause are added.
 */
function errorMessage(err: unknown, argv: string[]): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as Error & { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL'))
    return `the records database ${dbOf(argv)} could not be written: no room on the disk or past the file size limit? (SQLite: ${err.message}); what was recorded before is kept`;
  return err.message;
}

export async function main(argv: string[]): Promise<number> {
  // `rltune envs | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  registerBuiltinEnvs();
  try {
    const [cmd, ...rest] = argv;
    if (cmd === undefined || cmd === '-h' || cmd === '--help' || (cmd === 'help' && rest.length === 0)) {
      out(HELP);
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '-v' || cmd === '--version') {
      out(VERSION);
      return 0;
    }
    if (cmd === 'help' || asksHelp(rest)) {
      // `rltune train -h`, `rltune tune op --help`, `rltune help records`: that command's usage only.
      const [name, sub] = cmd === 'help' ? rest : [cmd, rest[0]];
      const text = commandHelp(name, sub);
      if (text !== null) {
        out(text);
        return 0;
      }
      if (cmd === 'help')
        throw new UsageError(`no help on ${JSON.stringify(name)}: it is no command (see rltune --help)`);
    }
    if (cmd === 'envs') return await cmdEnvs(rest);
    if (cmd === 'train') return await cmdTrain(rest);
    if (cmd === 'eval') return cmdEval(rest);
    if (cmd === 'tune') return await cmdTune(rest);
    if (cmd === 'records') return await cmdRecords(rest);
    if (cmd === 'best') return cmdBest(rest);
    if (cmd === 'bench') return await cmdBenchOp(rest);
    if (cmd === 'export') return cmdExport(rest);
    if (cmd === 'workloads') return cmdWorkloads(rest);
    if (cmd === 'env') {
      const [sub, ...args] = rest;
      if (sub === 'check') return await cmdEnvCheck(args);
      throw new UsageError(`unknown env subcommand ${JSON.stringify(sub ?? '')}; expected "check"`);
    }
    throw new UsageError(
      `unknown command ${JSON.stringify(cmd)}; expected "envs", "env check", "train", "eval", "tune op", "records", "best", "bench op", "export" or "workloads" (see rltune --help)`,
    );
  } catch (err) {
    // Every error ends as one line on stderr (and one JSON object with --json): exit 2 for a usage error, 1 for a
    // failure. The stack is for developers: RLTUNE_DEBUG=1 prints it.
    const e = err as Error & { code?: string };
    const usage =
      err instanceof UsageError ||
      err instanceof CliUsageError ||
      e.code?.startsWith('ERR_PARSE_ARGS') === true ||
      err instanceof UnknownEnvError;
    const message = errorMessage(err, argv);
    process.stderr.write(`rltune: error: ${message}\n`);
    if (process.env.RLTUNE_DEBUG === '1' && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    if (argv.includes('--json')) out(JSON.stringify(errorResult(argv, message)));
    return usage ? 2 : 1;
  }
}
