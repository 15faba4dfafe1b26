#!/usr/bin/env node
// The whole-run pilot of a cold policy against the pretrained one on the held-out set (README, "Held-out benchmark
// of the RL tuner"): runs `grpo` or `ppo` like bench/tuners/compare.ts does (the training workloads' records as the
// cost model's prior, seeds 1-3, batches of 8), from a cold policy or from a policy directory, and prints per
// workload the best of the first 8 and the trials to 95% of the frozen best-known (budget + 1 when never).
//   node scripts/cold-policy-pilot.mjs <db> <cold|policy dir> <grpo|ppo> [workload name filter]   (after npm run build)
// Env: T (trials, default 256). It measures (records go into <db>, run id pilot3:...), so run it on a quiet machine.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const R = join(repo, 'dist', 'src', 'tune');
const { RecordsDB } = await import(join(R, 'records/db.js'));
const { hostMachine, machineProbe, cacheSizes } = await import(join(R, 'measure/machine.js'));
const { Measurer } = await import(join(R, 'measure/measurer.js'));
const { tune } = await import(join(R, 'search/loop.js'));
const { createTuner } = await import(join(R, 'search/registry.js'));
const { createTask } = await import(join(R, 'task/task.js'));
const { costMachine } = await import(join(R, 'cost/features.js'));
const { priorSamples } = await import(join(R, 'cost/prior.js'));
const [dbPath, policyDir, strat, only] = process.argv.slice(2);
if (!dbPath || !policyDir || !['grpo', 'ppo'].includes(strat)) {
  console.error('usage: node scripts/cold-policy-pilot.mjs <db> <cold|policy dir> <grpo|ppo> [workload name filter]');
  process.exit(2);
}
const T = Number(process.env.T ?? 256);
const db = new RecordsDB(resolve(dbPath));
const machine = db.addMachine(hostMachine());
const work = join(dirname(resolve(dbPath)), 'build');
const probe = machineProbe(db, machine, work, 1);
const held = JSON.parse(readFileSync(join(repo, 'bench/tuners/heldout-v1.json'), 'utf8')).workloads.filter((w) => !only || w.name.includes(only));
const train = JSON.parse(readFileSync(join(repo, 'bench/tuners/workloads-v1.json'), 'utf8')).workloads.map((w) => createTask(w.spec).spec);
const bk = JSON.parse(readFileSync(join(repo, 'bench/results/best-known.json'), 'utf8')).entries;
const tag = policyDir === 'cold' ? 'cold' : 'pretrained';
for (const w of held) {
  const task = createTask(w.spec);
  const best = bk[`${machine}|${task.spec}`].gflops;
  const prior = priorSamples(db, machine, task, { only: train });
  const line = [];
  for (const seed of [1, 2, 3]) {
    const measurer = new Measurer(task, { workDir: work, db, machine, runnerCore: 1, runId: `pilot3:${strat}${tag}${T}:${seed}` });
    const policy = policyDir === 'cold' ? { defaultPolicy: false } : { policyDir: resolve(policyDir) };
    const tuner = createTuner(strat, task, seed, { machine: costMachine(task.space.target, probe, cacheSizes()), prior, policy, log: () => {} });
    const per = [];
    await tune(task, tuner, measurer, { trials: T, batch: 8, verifyTop: 0, onResults: (rs) => rs.forEach((x) => per.push(x.ok ? x.gflops : 0)) });
    tuner.dispose();
    let b = 0, t95 = T + 1;
    per.forEach((g, i) => { if (g > b) b = g; if (b >= 0.95 * best && t95 === T + 1) t95 = i + 1; });
    line.push(`${(Math.max(...per.slice(0, 8)) / best).toFixed(3)} t95 ${t95}`);
  }
  console.log(w.name.padEnd(24), `${strat} ${tag}`, line.join('  '));
}
db.close();
