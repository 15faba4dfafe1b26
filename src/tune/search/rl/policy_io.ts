/**
 * Policy directories of the RL tuner: `<dir>/checkpoint/` is a checkpoint of the training loop (manifest,
 * weights, optimizer and generator state: src/rl/train/checkpoint.ts) of a GRPO or PPO policy on
 * ScheduleConstruct-v0, and `<dir>/policy.json` says what it was trained for:
 *   {format: "rltune-policy", version: 1, algo, space_family (e.g. "gemm-v1"), encoding (the envs' observation
 *    and action encoding, SCHEDULE_ENV_ENCODING), feature_version, isa, lanes, cpu_flags, trained_on: [specs],
 *    records, created}
 * A policy is refused only for another space family or version, another encoding, or another vector ISA; another
 * CPU model, compiler or shape is what transfer is for. Loading into the other algorithm (a GRPO policy for
 * `ppo`) copies the actor's weights when the layer widths match.
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpoint } from '../../../rl/train/checkpoint.js';
import type { Algorithm } from '../../../rl/train/algorithm.js';
import type { PolicyAlgorithm } from '../../../rl/train/policy.js';
import { FEATURE_VERSION } from '../../cost/features.js';
import { packageFile } from '../../measure/package_file.js';
import type { Target } from '../../space/target.js';
import type { TuningTask } from '../../task/task.js';
import { SCHEDULE_ENV_ENCODING } from './schedule_envs.js';

export const POLICY_FORMAT = 'rltune-policy';
export const POLICY_VERSION = 1;

export interface PolicyMeta {
  format: string;
  version: number;
  algo: string;
  space_family: string;
  encoding: number;
  feature_version: number;
  isa: string;
  lanes: number;
  cpu_flags: string[];
  trained_on: string[];
  records: number;
  created: string;
  [extra: string]: unknown;
}

export class PolicyMismatchError extends Error {
  override name = 'PolicyMismatchError';
}

/** The space family of a task's space id: `gemm-v1/avx512` -> `gemm-v1`. */
export function spaceFamily(task: TuningTask): string {
  return task.spaceId.split('/')[0];
}

export function policyMeta(
  algo: string,
  task: TuningTask,
  target: Target,
  trainedOn: string[],
  records: number,
  extra: Record<string, unknown> = {},
): PolicyMeta {
  return {
    format: POLICY_FORMAT,
    version: POLICY_VERSION,
    algo,
    space_family: spaceFamily(task),
    encoding: SCHEDULE_ENV_ENCODING,
    feature_version: FEATURE_VERSION,
    isa: target.isa,
    lanes: target.lanes,
    cpu_flags: target.flags,
    trained_on: trainedOn,
    records,
    created: new Date().toISOString(),
    ...extra,
  };
}

export function writePolicy(dir: string, algo: Algorithm, meta: PolicyMeta): void {
  mkdirSync(dir, { recursive: true });
  algo.save(join(dir, 'checkpoint'));
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(meta, null, 1) + '\n');
}

export function readPolicyMeta(dir: string): PolicyMeta {
  const p = join(dir, 'policy.json');
  if (!existsSync(p))
    throw new PolicyMismatchError(
      `${dir} is not a policy directory: it has no policy.json (write one with rltune tune train-policy)`,
    );
  let m: PolicyMeta;
  try {
    m = JSON.parse(readFileSync(p, 'utf8')) as PolicyMeta;
  } catch (err) {
    throw new PolicyMismatchError(`${p} is corrupt: ${(err as Error).message}`);
  }
  if (m.format !== POLICY_FORMAT)
    throw new PolicyMismatchError(
      `${p}: format ${JSON.stringify(m.format)}, expected ${JSON.stringify(POLICY_FORMAT)}`,
    );
  if (typeof m.version !== 'number' || m.version > POLICY_VERSION)
    throw new PolicyMismatchError(
      `${p}: policy format version ${m.version}, this RLTune reads up to ${POLICY_VERSION}; upgrade RLTune`,
    );
  return m;
}

/** Why the policy cannot tune `task` on `target` (null when it can). */
export function policyMismatch(m: PolicyMeta, task: TuningTask, target: Target): string | null {
  if (m.space_family !== spaceFamily(task))
    return `it was trained on the ${m.space_family} space family; ${task.spec} is in ${spaceFamily(task)}`;
  if (m.encoding !== SCHEDULE_ENV_ENCODING)
    return `its observation encoding is version ${m.encoding}; this RLTune's is ${SCHEDULE_ENV_ENCODING}`;
  if (m.isa !== target.isa)
    return `it was trained for ${m.isa} (${m.lanes} lanes); this machine's target is ${target.isa} (${target.lanes} lanes)`;
  return null;
}

/**
 * Loads the policy of `dir` into `algo` (built on the same env family): the whole checkpoint when the algorithm
 * is the same, else the policy's weights (a checkpoint's `actor` array) when the widths match.
 */
export function loadPolicyInto(dir: string, algo: PolicyAlgorithm): void {
  const ck = readCheckpoint(join(dir, 'checkpoint'));
  if (ck.manifest.algo === algo.name) {
    algo.restore(ck, join(dir, 'checkpoint'));
    return;
  }
  const w = ck.tensors.actor,
    params = algo.policy.parameters;
  if (!(w instanceof Float32Array) || w.length !== params.length) {
    throw new PolicyMismatchError(
      `${dir}: its ${ck.manifest.algo} actor has ${w?.length ?? 0} weights; the ${algo.name} policy here has ${params.length} (other layer widths)`,
    );
  }
  params.set(w);
}

/** The default policy shipped in the package for a space family and ISA, when there is one. */
export function defaultPolicyDir(task: TuningTask, target: Target): string | null {
  try {
    const dir = packageFile('policies', `${spaceFamily(task)}-${target.isa}`, 'policy.json');
    return join(dir, '..');
  } catch {
    return null;
  }
}
