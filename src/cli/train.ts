/**
 * `rltune train` and `rltune eval`.
 *
 *   rltune train --env <id> --algo <name> [--steps N] [--seed S] [--n-envs K] [--config F] [--target R]
 *                [--out DIR] [--force] [--resume DIR] [--save-buffer] [--json]
 *   rltune eval --checkpoint DIR [--episodes N] [--json]
 *
 * The config is the preset for (algo, env), then the --config file, then the flags. A checkpoint is written
 * every tenth of the budget and at the end, into --out (default runs/<env>-<algo>-<seed>-<time>), which must be
 * new or empty unless --force replaces the run in it. --resume loads a checkpoint and goes on to --steps total
 * steps, appending to the same run directory and log; --env, --algo and config, if given, must be the checkpoint's.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from './args.js';
import { spec as getSpec } from '../rl/core/registry.js';
import { algorithmNames, createAlgorithm, loadAlgorithm } from '../rl/algos/index.js';
import { CheckpointCallback, type Callback } from '../rl/train/callbacks.js';
import { CheckpointDamagedError, CheckpointError } from '../rl/train/checkpoint.js';
import { Logger } from '../rl/train/logger.js';
import { presetFor } from '../rl/train/presets.js';
import { NonFiniteError, type Algorithm } from '../rl/train/algorithm.js';
import { ProgressReporter } from './progress.js';
import { checkRunDir, clearRunDir } from './out_dir.js';
import { checkResumeMatches, readConfigFile, type ResumeAsked } from './train_config.js';
import { CliUsageError } from './usage_error.js';

export { CliUsageError };

function out(line: string): void {
  process.stdout.write(line + '\n');
}

function intFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new CliUsageError(`--${name} expects a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

function numFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new CliUsageError(`--${name} expects a number, got ${JSON.stringify(v)}`);
  return n;
}

export async function cmdTrain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      env: { type: 'string' },
      algo: { type: 'string' },
      steps: { type: 'string' },
      seed: { type: 'string' },
      'n-envs': { type: 'string' },
      config: { type: 'string' },
      target: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean' },
      resume: { type: 'string' },
      json: { type: 'boolean' },
      'save-buffer': { type: 'boolean' },
    },
    allowPositionals: false,
  });
  const json = values.json === true;
  const force = values.force === true;
  let algo: Algorithm;
  let seed: number;
  let runDir: string;
  let totalSteps: number;
  /** An old run in runDir that --force replaces, cleared once everything else is checked. */
  let replace = false;
  if (values.resume !== undefined) {
    try {
      algo = loadAlgorithm(values.resume);
    } catch (err) {
      if (err instanceof CheckpointError) throw new CliUsageError(err.message);
      throw err;
    }
    try {
      const flags: ResumeAsked['flags'] = {};
      const askedSeed = intFlag('seed', values.seed);
      if (askedSeed !== undefined) flags.seed = { key: 'seed', value: askedSeed };
      const nEnvs = intFlag('n-envs', values['n-envs']);
      if (nEnvs !== undefined) flags['n-envs'] = { key: 'nEnvs', value: nEnvs };
      if (values['save-buffer']) flags['save-buffer'] = { key: 'saveBuffer', value: true };
      const fileConfig = values.config === undefined ? {} : readConfigFile(values.config, algo.name);
      checkResumeMatches(algo, values.resume, {
        env: values.env,
        algo: values.algo,
        file: values.config,
        fileConfig,
        flags,
      });
      runDir = values.out ?? values.resume;
      if (resolve(runDir) === resolve(values.resume)) {
        // The run goes on in its own directory, appending to its log: there is nothing to replace.
        if (force)
          throw new CliUsageError(
            `--force would replace ${runDir}, the checkpoint being resumed; drop --force to go on training it there, or name another --out`,
          );
      } else replace = checkRunDir(runDir, force);
    } catch (err) {
      algo.close();
      throw err;
    }
    seed = Number((algo.config as { seed?: number }).seed ?? 0);
    totalSteps = intFlag('steps', values.steps) ?? presetFor(algo.name, algo.envId).steps;
  } else {
    if (values.env === undefined) throw new CliUsageError('train needs --env <id> (see `rltune envs`)');
    if (values.algo === undefined)
      throw new CliUsageError(`train needs --algo <name>; one of ${algorithmNames().join(', ')}`);
    getSpec(values.env);
    if (!algorithmNames().includes(values.algo))
      throw new CliUsageError(
        `unknown algorithm ${JSON.stringify(values.algo)}; expected one of ${algorithmNames().join(', ')}`,
      );
    const preset = presetFor(values.algo, values.env);
    const fileConfig = values.config === undefined ? {} : readConfigFile(values.config, values.algo);
    seed = intFlag('seed', values.seed) ?? 1;
    const flags: Record<string, unknown> = { seed };
    const nEnvs = intFlag('n-envs', values['n-envs']);
    if (nEnvs !== undefined) flags.nEnvs = nEnvs;
    if (values['save-buffer']) flags.saveBuffer = true;
    const config = { ...preset.config, ...fileConfig, ...flags };
    totalSteps = intFlag('steps', values.steps) ?? preset.steps;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    runDir = values.out ?? `runs/${values.env.replace(/\//g, '_')}-${values.algo}-${seed}-${stamp}`;
    replace = checkRunDir(runDir, force);
    try {
      algo = createAlgorithm(values.algo, values.env, config);
    } catch (err) {
      throw new CliUsageError((err as Error).message);
    }
  }
  if (replace) clearRunDir(runDir);
  const target = numFlag('target', values.target);
  const logger = new Logger(runDir);
  const callbacks: Callback[] = [
    // Periodic checkpoints: a later failure (NaN, crash) still leaves the last good one.
    new CheckpointCallback(Math.max(1, Math.floor(totalSteps / 10)), runDir),
  ];
  if (!json) callbacks.push(new ProgressReporter(process.stderr));
  let result;
  try {
    result = await algo.learn({ totalSteps, callbacks, logger, target: target ?? undefined });
  } catch (err) {
    algo.close();
    if (err instanceof NonFiniteError || err instanceof RangeError) {
      const kept = existsSync(join(runDir, 'manifest.json'))
        ? `the last good checkpoint is in ${runDir}`
        : 'no checkpoint had been written yet';
      process.stderr.write(`rltune: training stopped: ${err.message}\nrltune: ${kept}\n`);
      if (json) out(JSON.stringify({ env: algo.envId, algo: algo.name, seed, error: err.message, checkpoint: runDir }));
      return 1;
    }
    throw err;
  }
  algo.save(runDir);
  // Planners (value/policy iteration) take no env steps: report their policy's return over 100 episodes.
  const finalReturn =
    result.final_mean_return ??
    (result.episodes === 0 ? algo.evaluate(100, { deterministic: true }).mean_return : null);
  algo.close();
  const res = {
    env: algo.envId,
    algo: algo.name,
    seed,
    steps: result.steps,
    wall_s: result.wall_s,
    sps: result.sps,
    solved_step: result.solved_step,
    solved_s: result.solved_s,
    final_mean_return: finalReturn,
    checkpoint: runDir,
    episodes: result.episodes,
  };
  if (json) out(JSON.stringify(res));
  else {
    out(
      `${res.algo} on ${res.env}: ${res.steps} steps in ${res.wall_s} s (${res.sps} steps/s), ${res.episodes} episodes`,
    );
    out(
      `mean return of the last 20 episodes: ${res.final_mean_return ?? '-'}; solved: ${res.solved_step === null ? 'no' : `at step ${res.solved_step} (${res.solved_s} s)`}`,
    );
    out(`checkpoint: ${res.checkpoint}`);
  }
  return 0;
}

export function cmdEval(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      checkpoint: { type: 'string' },
      episodes: { type: 'string' },
      json: { type: 'boolean' },
      seed: { type: 'string' },
    },
    allowPositionals: false,
  });
  if (values.checkpoint === undefined) throw new CliUsageError('eval needs --checkpoint DIR');
  try {
    statSync(values.checkpoint);
  } catch {
    throw new CliUsageError(`--checkpoint ${values.checkpoint} does not exist`);
  }
  const episodes = intFlag('episodes', values.episodes) ?? 10;
  let algo: Algorithm;
  try {
    algo = loadAlgorithm(values.checkpoint);
  } catch (err) {
    // A damaged checkpoint is a failure (exit 1), not a usage error: the path was right, its bytes are not.
    if (err instanceof CheckpointError && !(err instanceof CheckpointDamagedError))
      throw new CliUsageError(err.message);
    throw err;
  }
  const r = algo.evaluate(episodes, { deterministic: true, seed: intFlag('seed', values.seed) });
  algo.close();
  const res = {
    episodes,
    mean_return: r.mean_return,
    std_return: r.std_return,
    truncated: r.truncated.reduce((a, b) => a + b, 0),
  };
  if (values.json) out(JSON.stringify(res));
  else
    out(
      `${algo.name} on ${algo.envId}: mean return ${r.mean_return.toFixed(3)} +- ${r.std_return.toFixed(3)} over ${episodes} episodes (${res.truncated} cut at the step limit)`,
    );
  return 0;
}
