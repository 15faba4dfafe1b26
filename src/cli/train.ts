/**
 * `rltune train` and `rltune eval`.
 *
 *   rltune train --env <id> --algo <name> [--steps N] [--seed S] [--n-envs K] [--config F] [--target R]
 *                [--out DIR] [--resume DIR] [--save-buffer] [--json]
 *   rltune eval --checkpoint DIR [--episodes N] [--json]
 *
 * The config is the preset for (algo, env), then the --config file, then the flags. A checkpoint is written
 * every tenth of the budget and at the end, into --out (default runs/<env>-<algo>-<seed>-<time>). --resume
 * loads a checkpoint and goes on to --steps total steps, appending to the same run directory and log.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from './args.js';
import { spec as getSpec } from '../rl/core/registry.js';
import { algorithmNames, createAlgorithm, loadAlgorithm } from '../rl/algos/index.js';
import { CheckpointCallback, type Callback } from '../rl/train/callbacks.js';
import { CheckpointDamagedError, CheckpointError } from '../rl/train/checkpoint.js';
import { Logger } from '../rl/train/logger.js';
import { presetFor } from '../rl/train/presets.js';
import { NonFiniteError, type Algorithm } from '../rl/train/algorithm.js';
import { ProgressReporter } from './progress.js';

export class CliUsageError extends Error {}

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
      resume: { type: 'string' },
      json: { type: 'boolean' },
      'save-buffer': { type: 'boolean' },
    },
    allowPositionals: false,
  });
  const json = values.json === true;
  let algo: Algorithm;
  let seed: number;
  let runDir: string;
  let totalSteps: number;
  if (values.resume !== undefined) {
    try {
      algo = loadAlgorithm(values.resume);
    } catch (err) {
      if (err instanceof CheckpointError) throw new CliUsageError(err.message);
      throw err;
    }
    seed = Number((algo.config as { seed?: number }).seed ?? 0);
    runDir = values.out ?? values.resume;
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
    let fileConfig: Record<string, unknown> = {};
    if (values.config !== undefined) {
      try {
        fileConfig = JSON.parse(readFileSync(values.config, 'utf8')) as Record<string, unknown>;
      } catch (err) {
        throw new CliUsageError(`--config ${values.config} cannot be read as JSON: ${(err as Error).message}`);
      }
      if (fileConfig === null || typeof fileConfig !== 'object' || Array.isArray(fileConfig))
        throw new CliUsageError(`--config ${values.config} must hold a JSON object`);
    }
    seed = intFlag('seed', values.seed) ?? 1;
    const flags: Record<string, unknown> = { seed };
    const nEnvs = intFlag('n-envs', values['n-envs']);
    if (nEnvs !== undefined) flags.nEnvs = nEnvs;
    if (values['save-buffer']) flags.saveBuffer = true;
    const config = { ...preset.config, ...fileConfig, ...flags };
    try {
      algo = createAlgorithm(values.algo, values.env, config);
    } catch (err) {
      throw new CliUsageError((err as Error).message);
    }
    totalSteps = intFlag('steps', values.steps) ?? preset.steps;
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    runDir = values.out ?? `runs/${values.env.replace(/\//g, '_')}-${values.algo}-${seed}-${stamp}`;
  }
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
