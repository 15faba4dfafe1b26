/**
 * The usage texts: `rltune --help` prints them all; `rltune <command> [<subcommand>] -h|--help` (and
 * `rltune help <command> [<subcommand>]`) only those of that command. One list, so both say the same.
 */
import { VERSION } from '../version.js';

interface Usage {
  cmd: string;
  /** The subcommands this text covers (none: the command has none). */
  subs?: string[];
  text: string;
}

const USAGES: Usage[] = [
  {
    cmd: 'envs',
    text: `  rltune envs [--json] [--module FILE]...
      List registered environments with their spaces, step limit and reward threshold.`,
  },
  {
    cmd: 'env',
    subs: ['check'],
    text: `  rltune env check <id> [--golden DIR] [--json] [--module FILE]... [--steps N] [--seed N]
      Run the environment checker on <id>; with --golden, also replay every reference trace for <id>
      found in DIR. With --json the last line of stdout is one JSON object:
      {"env", "checks", "failed", "golden_episodes", "golden_transitions", "golden_max_abs_err", ...}
      Exits 1 when a check fails.`,
  },
  {
    cmd: 'train',
    text: `  rltune train --env <id> --algo <name> [--steps N] [--seed S] [--n-envs K] [--config F] [--target R]
               [--out DIR] [--force] [--resume DIR] [--save-buffer] [--json]
      Train <name> on <id> (preset config and budget per env; --config JSON and flags override).
      An existing --out is replaced only with --force; --resume DIR goes on training the checkpoint in DIR
      (--env, --algo and config, if given, must be the checkpoint's).
      With --json the last line of stdout is {"env", "algo", "seed", "steps", "wall_s", "sps",
      "solved_step", "solved_s", "final_mean_return", "checkpoint"}.`,
  },
  {
    cmd: 'eval',
    text: `  rltune eval --checkpoint DIR [--episodes N] [--seed S] [--json]
      Evaluate a checkpoint's deterministic policy: {"episodes", "mean_return", "std_return"}.`,
  },
  {
    cmd: 'tune',
    subs: ['op'],
    text: `  rltune tune op <spec> [--strategy random|grid|anneal|evolve|grpo|ppo] --trials N [--db F] [--seed S]
                 [--time-budget S] [--early-stopping N] [--verify-top K] [--flush] [--paired] [--no-transfer]
                 [--policy DIR] [--policy-fallback] [--measured-iterations N] [--isa avx512|avx2|generic] [--json]
      Tune one workload, e.g. gemm:M=512,N=512,K=512 or gemm:M=128,N=3072,K=768,epilogue=bias+gelu.
      Every measurement is recorded in F (default ./rltune.db); a rerun does not measure again what is
      recorded. The K best (default 5) are measured 3 more times at the end and the best mean wins
      (--verify-top 0: off); --flush evicts the caches before each timed repeat; --paired times each
      kernel against the workload's reference config in the same process (a slow period of a shared machine
      cancels out; paired and plain records are kept apart). With --json the last
      line of stdout is {"op", "strategy", "trials", "measured", "errors", "best_gflops", "best_ms",
      "best_config", "wall_s", "curve", ...}. anneal, evolve, grpo and ppo rank candidates with the cost
      model and start it from the records of other workloads (--no-transfer: cold); grpo and ppo train a
      policy on it, starting from --policy DIR or the package's default policy. The default strategy is
      evolve, the best of the recorded benchmarks; --time-budget S bounds the whole run, the reference
      result and the builds included. --isa restricts code generation to an ISA this CPU has (e.g. avx2
      on an AVX-512 machine; one it lacks is refused); its records are kept apart.`,
  },
  {
    cmd: 'tune',
    subs: ['train-policy'],
    text: `  rltune tune train-policy --workloads <set file> --out DIR [--db F] [--steps N] [--bc-top K]
                 [--family gemm|row] [--seed S] [--force] [--json]
      Train the RL tuner's policy from the records of those workloads (behaviour cloning of the best,
      advantage-weighted regression on all) and GRPO on the cost model; DIR is a policy directory (an
      existing one is replaced only with --force).`,
  },
  {
    cmd: 'records',
    subs: ['list'],
    text: `  rltune records list [--db F] [--json]        workloads in the database with their best results`,
  },
  {
    cmd: 'records',
    subs: ['show'],
    text: `  rltune records show <spec> [--db F] [--top N] [--timing T] [--asm] [--isa I] [--json]   top configs, timings and
      generated source (--asm: the micro-kernel's inner loop as compiled, with its FMAs, loads and registers)`,
  },
  {
    cmd: 'records',
    subs: ['verify'],
    text: `  rltune records verify <spec> [--db F] [--top N] [--timing T] [--json] re-measure the top configs now`,
  },
  {
    cmd: 'records',
    subs: ['export', 'import'],
    text: `  rltune records export [--db F] [--out FILE [--force]] [--salvage]   every record as JSON lines (--salvage: what can
      still be read of a damaged database); records import FILE [--db F] (every line checked; a bad one imports nothing)
      list, show, export and best only read --db: they open it read-only and never create it`,
  },
  {
    cmd: 'best',
    text: `  rltune best <spec> [--db F] [--timing T] [--json]   the best correct record of <spec> on this machine
      (--timing all|paired|plain: rank both kinds of records (default), or only those timed --paired, or only plain ones)`,
  },
  {
    cmd: 'workloads',
    text: `  rltune workloads [preset] [--json]           the operator specs of real models (gpt2-small, llama7b-decode, ...)`,
  },
  {
    cmd: 'export',
    text: `  rltune export <spec> --out DIR [--db F] [--name NAME] [--force] [--json]
      Write the best kernel as NAME.c, NAME.h (its C ABI), libNAME.so and a Node binding (index.js).
      A directory that already holds files is written into only with --force.`,
  },
  {
    cmd: 'bench',
    subs: ['op'],
    text: `  rltune bench op <spec> [--db F] [--vs openblas,onnxruntime] [--rounds N] [--isa I] [--json]
      The best recorded kernel against OpenBLAS (auto-selected, and the AVX-512 kernel, or the Haswell one
      with --isa avx2; openblas_haswell names it alone) and ONNX Runtime, interleaved for N >= 5 rounds;
      ratios are medians of the per-round ratios: {"op", "gflops", "vs": {"openblas": {"gflops", "ratio",
      "ratio_min", "ratio_max"}, "openblas_avx512": {...}, "onnxruntime": {...}}, "peak_gflops",
      "fraction_of_peak", "bound"}; memory-bound shapes (M <= 16) add "b_bytes", "read_bandwidth_gbs" (measured
      for a buffer the size of B) and "fraction_of_bandwidth".`,
  },
];

const OPTIONS = `Options:
  --module FILE   import FILE first (a module that registers your own envs); repeatable
  --json          machine-readable output (one JSON object as the last line)
  -h, --help      this help
  -v, --version   print the version
`;

export const HELP = `rltune ${VERSION}: reinforcement learning and RL-driven kernel tuning

Usage:
${USAGES.map((u) => u.text).join('\n')}

${OPTIONS}`;

/** Whether `argv` (a command's arguments) asks for help: -h or --help before any `--`. */
export function asksHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '-h' || a === '--help');
}

/**
 * The usage of `cmd` (narrowed to subcommand `sub` when it names one of its subcommands), or null when `cmd` is
 * no command.
 */
export function commandHelp(cmd: string, sub: string | undefined): string | null {
  const mine = USAGES.filter((u) => u.cmd === cmd);
  if (mine.length === 0) return null;
  const narrowed = mine.filter((u) => sub !== undefined && u.subs?.includes(sub));
  return `Usage:\n${(narrowed.length > 0 ? narrowed : mine).map((u) => u.text).join('\n')}\n`;
}
