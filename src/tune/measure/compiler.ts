/**
 * The system C compiler: $CC, else gcc, cc, clang, the first that answers `--version`. Its name and version
 * line go into the machine fingerprint (a kernel's speed depends on the compiler that built it).
 */
import { execFileSync } from 'node:child_process';

export interface Compiler {
  path: string;
  version: string;
}

export class NoCompilerError extends Error {
  override name = 'NoCompilerError';
}

let cached: Compiler | null = null;

export function findCompiler(): Compiler {
  if (cached) return cached;
  const tried: string[] = [];
  for (const cand of [process.env.CC, 'gcc', 'cc', 'clang'].filter((c): c is string => !!c)) {
    tried.push(cand);
    try {
      const out = execFileSync(cand, ['--version'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 10_000,
      });
      cached = { path: cand, version: out.split('\n')[0].trim() };
      return cached;
    } catch {
      // not there or not working: try the next one
    }
  }
  throw new NoCompilerError(
    `no C compiler found (tried ${tried.join(', ')}); RLTune compiles its kernels with the system compiler: install one (Debian/Ubuntu: apt-get install gcc; Fedora: dnf install gcc; macOS: xcode-select --install) or set CC`,
  );
}
