/**
 * Best-known per machine and workload for bench/tuners/compare, frozen in a file (bench/results/best-known.json)
 * before strategies are compared against it: the 5 best configs ever recorded, re-measured 20 times each, the best
 * of their medians. An entry is never rewritten without --refreeze, which keeps the largest of all freezes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pairedReferenceOf } from '../../src/tune/measure/measurer.js';
import type { TuningSession } from '../../src/tune/session.js';
import { referenceConfig, type TuningTask } from '../../src/tune/task/task.js';
import { median, round } from '../util/stats.js';
import type { CompareOptions } from './options.js';

interface Freeze {
  gflops: number;
  config_index: number;
  frozen: string;
}
interface BestKnownEntry {
  spec: string;
  machine: string;
  gflops: number;
  config_index: number;
  frozen: string;
  method: string;
  freezes?: Freeze[];
  paired?: boolean;
}
export interface BestKnownFile {
  doc: string;
  entries: Record<string, BestKnownEntry>;
}

const DOC =
  'Best-known GFLOP/s per workload and machine (bench/tuners/compare.ts): the 5 best configs ever recorded re-measured 20 times each, the best of their medians. Frozen: never rewritten without --refreeze, which freezes again and keeps the largest of all freezes.';

/** The file's key of a workload on a machine. */
export const bestKnownKey = (machine: string, spec: string) => `${machine}|${spec}`;

/**
 * Paired and plain timings are two scales: a best-known frozen in one is never used with runs in the other. Checked
 * before anything is measured.
 */
export function checkTiming(o: CompareOptions, tasks: Map<string, TuningTask>, machine: string): void {
  if (!existsSync(o.bestKnownPath)) return;
  const { entries } = JSON.parse(readFileSync(o.bestKnownPath, 'utf8')) as BestKnownFile;
  for (const w of o.set.workloads) {
    const e = entries[bestKnownKey(machine, tasks.get(w.spec)!.spec)];
    if (e && (e.paired ?? false) !== o.paired) {
      throw new Error(
        `${w.name}: its best-known on this machine (${o.bestKnownPath}) was frozen with ${o.paired ? 'plain' : 'paired'} timing, and this benchmark runs ${o.paired ? 'paired (--paired)' : 'plain'}: run it ${o.paired ? 'without' : 'with'} --paired, or on a workload set not frozen yet`,
      );
    }
  }
}

/**
 * The file with every workload of the set frozen (the existing entries kept unless --refreeze); written when it
 * changed.
 */
export async function freezeBestKnown(
  session: TuningSession,
  o: CompareOptions,
  tasks: Map<string, TuningTask>,
  log: (m: string) => void,
): Promise<BestKnownFile> {
  const existed = existsSync(o.bestKnownPath);
  const bk: BestKnownFile = existed
    ? (JSON.parse(readFileSync(o.bestKnownPath, 'utf8')) as BestKnownFile)
    : { doc: DOC, entries: {} };
  let changed = !existed;
  const times = o.quick ? 3 : 20;
  for (const w of o.set.workloads) {
    const task = tasks.get(w.spec)!;
    const key = bestKnownKey(session.machine, task.spec);
    if (bk.entries[key] && !o.refreeze) continue;
    // Ranked on this benchmark's timing only (records.best filters before it averages a config's records).
    const top = session.db
      .best(task.spec, session.machine, 50, o.paired ? 'paired' : 'plain')
      .filter((r) => !o.paired || pairedReferenceOf(r) === referenceConfig(task))
      .slice(0, 5)
      .map((r) => r.config_index);
    if (top.length === 0) throw new Error(`${w.name}: no correct record to freeze a best-known from`);
    const measurer = session.measurer(task, { runId: 'bench-tuners:best-known', run: { paired: o.paired } });
    let best = { gflops: 0, config: -1 };
    for (const c of top) {
      const [{ fresh: res }] = await measurer.remeasure([c], times);
      if (res.length === 0) continue;
      const g = task.flops / (median(res) * 1e6);
      if (g > best.gflops) best = { gflops: g, config: c };
    }
    // A refreeze keeps the largest of all freezes: a slow period of the machine can only lower a freeze (on the VM of
    // 2026-12-02 the same config's 20-run median moved by up to 15% between freezes minutes apart), and best-known
    // is the best that is known to be reachable.
    const old = bk.entries[key];
    const now: Freeze = { gflops: round(best.gflops, 3), config_index: best.config, frozen: new Date().toISOString() };
    const freezes = old
      ? [...(old.freezes ?? [{ gflops: old.gflops, config_index: old.config_index, frozen: old.frozen }]), now]
      : [now];
    const top1 = freezes.reduce((a, b) => (b.gflops > a.gflops ? b : a));
    const method =
      `top ${top.length} re-measured ${times} times${o.paired ? ' (paired timing)' : ''}, best median` +
      (freezes.length > 1 ? `; the largest of ${freezes.length} freezes (--refreeze)` : '');
    bk.entries[key] = {
      spec: task.spec,
      machine: session.machine,
      gflops: top1.gflops,
      config_index: top1.config_index,
      frozen: top1.frozen,
      method,
      freezes,
      ...(o.paired ? { paired: o.paired } : {}),
    };
    changed = true;
    log(
      `best-known ${w.name}: ${best.gflops.toFixed(1)} GFLOP/s (config ${best.config})${freezes.length > 1 ? `, the largest of ${freezes.length} freezes ${top1.gflops.toFixed(1)}` : ''}`,
    );
  }
  // Unchanged, the file is left as it is (a replay writes nothing).
  if (changed) {
    mkdirSync(dirname(o.bestKnownPath), { recursive: true });
    writeFileSync(o.bestKnownPath, JSON.stringify(bk, null, 1) + '\n');
  }
  return bk;
}
