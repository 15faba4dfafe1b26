/**
 * The kernel commands around the micro-kernel generator: --isa (an ISA the CPU lacks is refused with what it has;
 * --isa avx2 on an AVX-512 machine tunes AVX2 code into its own records), `records show --asm` (the compiled inner
 * loop), and `bench op`'s per-round ratios with the fraction of peak or of the measured read bandwidth.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuFlags } from '../src/tune/space/target.js';
import { run } from './fixtures/run_cli.js';

const flags = cpuFlags();
const x86Asm = flags.includes('avx2') && flags.includes('fma');

test('--isa names an ISA: one this CPU lacks is refused (exit 2) with what the CPU has, an unknown one with the list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-isa-'));
  const lacking = flags.includes('avx512f') ? 'neon' : 'avx512';
  const r = run('tune', 'op', 'gemm:M=8,N=8,K=8', '--trials', '1', '--db', join(dir, 'r.db'), '--isa', lacking);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`--isa ${lacking}: this CPU cannot run it; it has \\w+ \\(`));
  const u = run('bench', 'op', 'gemm:M=8,N=8,K=8', '--db', join(dir, 'r.db'), '--isa', 'sse9');
  assert.equal(u.code, 2);
  assert.match(u.stderr, /must be one of avx512, avx2, neon, generic, got "sse9"/);
});

test('records show --asm prints the inner loop of the best kernels; bench op gives per-round ratios and the bandwidth of a decode shape', () => {
  if (!x86Asm) {
    // No AVX2 here: the assembly paths are refused by name instead.
    const r = run('records', 'show', 'gemm:M=4,N=96,K=64', '--asm', '--isa', 'avx2');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--isa avx2: this CPU cannot run it/);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'rltune-asm-'));
  const db = join(dir, 'r.db');
  const spec = 'gemm:M=4,N=96,K=64';
  const isa = 'avx2';
  const tuned = run('tune', 'op', spec, '--trials', '3', '--db', db, '--verify-top', '0', '--isa', isa, '--json');
  assert.equal(tuned.code, 0, tuned.stderr);
  const show = run('records', 'show', spec, '--db', db, '--top', '1', '--asm', '--isa', isa);
  assert.equal(show.code, 0, show.stderr);
  assert.match(
    show.stdout,
    /inner loop: \d+ FMAs, \d+ loads \([\d.]+ per FMA\), \d+ prefetches, \d+ vector registers, no stack access/,
  );
  assert.match(show.stdout, /vfmadd231ps %ymm\d+, %ymm\d+, %ymm\d+/);
  assert.doesNotMatch(show.stdout, /zmm/, 'AVX2 code has no AVX-512 registers');
  const json = run('records', 'show', spec, '--db', db, '--top', '1', '--asm', '--isa', isa, '--json');
  const top = (JSON.parse(json.last) as { top: { asm: { fmas: number; stackAccess: boolean } }[] }).top[0];
  assert.ok(top.asm.fmas > 0 && top.asm.stackAccess === false);
  // Records tuned with --isa avx2 belong to that target: without it this machine's default target has none.
  if (flags.includes('avx512f')) {
    const other = run('records', 'show', spec, '--db', db, '--json');
    assert.equal((JSON.parse(other.last) as { top: unknown[] }).top.length, 0);
  }
  const b = run('bench', 'op', spec, '--db', db, '--vs', 'openblas', '--rounds', '5', '--isa', isa, '--json');
  assert.equal(b.code, 0, b.stderr);
  const r = JSON.parse(b.last) as {
    bound: string;
    fraction_of_bandwidth: number;
    read_bandwidth_gbs: number;
    roofline_gflops: number;
    vs: Record<string, { ratio: number; ratio_min: number; ratio_max: number }>;
  };
  assert.equal(r.bound, 'memory');
  assert.ok(r.read_bandwidth_gbs > 0 && r.fraction_of_bandwidth > 0 && r.roofline_gflops > 0);
  assert.ok('openblas_haswell' in r.vs, Object.keys(r.vs).join(' '));
  for (const v of Object.values(r.vs))
    if (v.ratio !== null) assert.ok(v.ratio_min <= v.ratio && v.ratio <= v.ratio_max, JSON.stringify(v));
});
