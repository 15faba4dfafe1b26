/**
 * The `rltune` command. Subcommands:
 *   rltune envs [--json] [--module FILE]...
 *   rltune env check <id> [--golden DIR] [--json] [--module FILE]... [--steps N] [--seed N]
 * Exit codes: 0 success, 1 a check failed, 2 a usage error (bad flag, unknown env, unreadable file).
 */
import { statSync } from 'node:fs';
import { parseArgs } from './args.js';
import { registeredEnvs, spec as getSpec, make, UnknownEnvError } from '../rl/core/registry.js';
import { checkEnv, type CheckResult } from '../rl/core/check_env.js';
import { findGoldenFiles, replayGolden } from '../rl/core/golden.js';
import { registerBuiltinEnvs } from '../rl/envs/builtin.js';
import { importModule } from '../rl/vector/import_module.js';
import { VERSION } from '../version.js';
import { CliUsageError, cmdEval, cmdTrain } from './train.js';
import { cmdBenchOp, cmdExport } from './kernel.js';
import { cmdBest, cmdRecords } from './records.js';
import { cmdTune, cmdWorkloads } from './tune.js';

const HELP = `rltune ${VERSION}: reinforcement learning and RL-driven kernel tuning

Usage:
  rltune envs [--json] [--module FILE]...
      List registered environments with their spaces, step limit and reward threshold.
  rltune env check <id> [--golden DIR] [--json] [--module FILE]... [--steps N] [--seed N]
      Run the environment checker on <id>; with --golden, also replay every reference trace for <id>
      found in DIR. With --json the last line of stdout is one JSON object:
      {"env", "checks", "failed", "golden_episodes", "golden_transitions", "golden_max_abs_err", ...}
      Exits 1 when a check fails.
  rltune train --env <id> --algo <name> [--steps N] [--seed S] [--n-envs K] [--config F] [--target R]
               [--out DIR] [--resume DIR] [--save-buffer] [--json]
      Train <name> on <id> (preset config and budget per env; --config JSON and flags override).
      With --json the last line of stdout is {"env", "algo", "seed", "steps", "wall_s", "sps",
      "solved_step", "solved_s", "final_mean_return", "checkpoint"}.
  rltune eval --checkpoint DIR [--episodes N] [--json]
      Evaluate a checkpoint's deterministic policy: {"episodes", "mean_return", "std_return"}.
  rltune tune op <spec> --strategy random|grid|anneal|evolve|grpo|ppo --trials N [--db F] [--seed S]
                 [--time-budget S] [--early-stopping N] [--verify-top K] [--flush] [--paired] [--no-transfer]
                 [--policy DIR] [--policy-fallback] [--json]
      Tune one workload, e.g. gemm:M=512,N=512,K=512 or gemm:M=128,N=3072,K=768,epilogue=bias+gelu.
      Every measurement is recorded in F (default ./rltune.db); a rerun does not measure again what is
      recorded. The K best (default 5) are measured 3 more times at the end and the best mean wins
      (--verify-top 0: off); --flush evicts the caches before each timed repeat; --paired times each
      kernel against the workload's reference config in the same process (a slow period of a shared machine
      cancels out; paired and plain records are kept apart). With --json the last
      line of stdout is {"op", "strategy", "trials", "measured", "errors", "best_gflops", "best_ms",
      "best_config", "wall_s", "curve", ...}. anneal, evolve, grpo and ppo rank candidates with the cost
      model and start it from the records of other workloads (--no-transfer: cold); grpo and ppo train a
      policy on it, starting from --policy DIR or the package's default policy.
  rltune tune train-policy --workloads <set file> --out DIR [--db F] [--steps N] [--bc-top K] [--seed S] [--json]
      Train the RL tuner's policy from the records of those workloads (behaviour cloning of the best,
      advantage-weighted regression on all) and GRPO on the cost model; DIR is a policy directory.
  rltune records list [--db F] [--json]        workloads in the database with their best results
  rltune records show <spec> [--db F] [--top N] [--timing T] [--json]   top configs, timings and generated source
  rltune records verify <spec> [--db F] [--top N] [--timing T] [--json] re-measure the top configs now
  rltune records export [--db F] [--out FILE] [--salvage]   every record as JSON lines (--salvage: what can
      still be read of a damaged database); records import FILE [--db F] (every line checked; a bad one imports nothing)
      list, show, export and best only read --db: they open it read-only and never create it
  rltune best <spec> [--db F] [--timing T] [--json]   the best correct record of <spec> on this machine
      (--timing all|paired|plain: rank both kinds of records (default), or only those timed --paired, or only plain ones)
  rltune workloads [preset] [--json]           the operator specs of real models (gpt2-small, llama7b-decode, ...)
  rltune export <spec> --out DIR [--db F] [--name NAME] [--json]
      Write the best kernel as NAME.c, NAME.h (its C ABI), libNAME.so and a Node binding (index.js).
  rltune bench op <spec> [--db F] [--vs openblas,onnxruntime] [--rounds N] [--json]
      The best recorded kernel against OpenBLAS (auto-selected and AVX-512 kernels) and ONNX Runtime,
      interleaved for N >= 5 rounds: {"op", "gflops", "vs": {"openblas": {"gflops", "ratio"},
      "openblas_avx512": {...}, "onnxruntime": {...}}, "peak_gflops", "fraction_of_peak"}.

Options:
  --module FILE   import FILE first (a module that registers your own envs); repeatable
  --json          machine-readable output (one JSON object as the last line)
  -h, --help      this help
  -v, --version   print the version
`;

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

export async function main(argv: string[]): Promise<number> {
  // `rltune envs | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  registerBuiltinEnvs();
  try {
    const [cmd, ...rest] = argv;
    if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
      out(HELP);
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === '-v' || cmd === '--version') {
      out(VERSION);
      return 0;
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
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`rltune: error: ${message}\n`);
    if (process.env.RLTUNE_DEBUG === '1' && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    if (argv.includes('--json')) out(JSON.stringify(errorResult(argv, message)));
    return usage ? 2 : 1;
  }
}
