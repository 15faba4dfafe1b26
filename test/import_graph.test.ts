// The shape of the source tree, read from the TypeScript sources themselves (not the compiled output):
//   (a) no import cycle between files of src/, type-only imports included;
//   (b) the layers only import downward: rl < tune < graph < farm < cli;
//   (c) no .ts file of src/ or bench/ is over 400 lines.
// Imports are found with regular expressions over the import/export statements (comments removed first), which
// is enough for this code base: static imports (`import type` and `import { type X }` too), side-effect
// imports, `export ... from`, and `import('...')` with a literal specifier (dynamic imports and `typeof import()`
// types alike). Only relative specifiers are followed; packages and node: modules are outside the graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/import_graph.test.js -> the repository root.
const root = fileURLToPath(new URL('../../', import.meta.url));

const MAX_LINES = 400;

/** Layers from the bottom up: a file may import its own layer and the ones below it, never one above. */
const LAYERS = ['rl', 'tune', 'graph', 'farm', 'cli'] as const;

interface ImportRef {
  spec: string;
  typeOnly: boolean;
}

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** Repository-relative path with forward slashes. */
function rel(abs: string): string {
  return relative(root, abs).split(sep).join('/');
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) return f === 'node_modules' ? [] : tsFiles(p);
      return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
    });
}

/**
 * Removes comments, keeping string literals (which may hold `//`) and the line structure. Template literals and
 * regular expressions are treated as code, which is harmless here: an import statement never sits inside one.
 */
function stripComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** True when every name in an import/export clause `{ a, type B }` is a type (and there is at least one). */
function allNamesAreTypes(clause: string): boolean {
  const braces = /^\s*\{([^}]*)\}\s*$/.exec(clause);
  if (!braces) return false;
  const names = braces[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return names.length > 0 && names.every((n) => /^type\s/.test(n));
}

/** Every module specifier a source file refers to, with whether the reference is type-only. */
function importsOf(source: string): ImportRef[] {
  const code = stripComments(source);
  const refs: ImportRef[] = [];
  // import [type] <clause> from '<spec>'   (the clause may span lines; it holds no quotes or semicolons)
  for (const m of code.matchAll(/(?:^|[;}\n])\s*import\s+(type\s+)?([^;'"]*?)\s*\bfrom\s*(['"])([^'"\n]+)\3/g)) {
    refs.push({ spec: m[4], typeOnly: m[1] !== undefined || allNamesAreTypes(m[2]) });
  }
  // import '<spec>'   (for its side effects)
  for (const m of code.matchAll(/(?:^|[;}\n])\s*import\s*(['"])([^'"\n]+)\1/g)) {
    refs.push({ spec: m[2], typeOnly: false });
  }
  // export [type] { ... } from '<spec>', export * [as name] from '<spec>'
  for (const m of code.matchAll(
    /(?:^|[;}\n])\s*export\s+(type\s+)?(\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*(['"])([^'"\n]+)\3/g,
  )) {
    refs.push({ spec: m[4], typeOnly: m[1] !== undefined || allNamesAreTypes(m[2]) });
  }
  // import('<spec>'), in code or in a type (`typeof import('...')`)
  for (const m of code.matchAll(/(?<![\w$.])import\s*\(\s*(['"])([^'"\n]+)\1\s*[),]/g)) {
    const before = code.slice(Math.max(0, (m.index ?? 0) - 8), m.index);
    refs.push({ spec: m[2], typeOnly: /typeof\s*$/.test(before) });
  }
  return refs;
}

/** The .ts file a relative specifier of `fromFile` names (it need not exist), or null for a package. */
function resolveSpec(fromFile: string, spec: string): string | null {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return null;
  const base = resolve(dirname(fromFile), spec);
  const candidates = /\.[cm]?js$/.test(base)
    ? [
        base
          .replace(/\.js$/, '.ts')
          .replace(/\.mjs$/, '.mts')
          .replace(/\.cjs$/, '.cts'),
        base,
      ]
    : [base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? candidates[0];
}

function edgesOf(files: string[]): Edge[] {
  const edges: Edge[] = [];
  for (const file of files) {
    const seen = new Map<string, Edge>();
    for (const ref of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolveSpec(file, ref.spec);
      if (target === null) continue;
      const key = rel(target);
      const prev = seen.get(key);
      if (prev) prev.typeOnly &&= ref.typeOnly;
      else seen.set(key, { from: rel(file), to: key, typeOnly: ref.typeOnly });
    }
    edges.push(...seen.values());
  }
  return edges;
}

/** Tarjan's strongly connected components; returns those that contain a cycle (two files or more, or a self-import). */
function cyclicComponents(nodes: string[], edges: Edge[]): string[][] {
  const out = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const e of edges) out.get(e.from)?.push(e.to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  // Iterative, so that a long chain of imports cannot overflow the call stack.
  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const succ = out.get(frame.node) ?? [];
      if (frame.next < succ.length) {
        const w = succ[frame.next++];
        if (!out.has(w)) continue; // outside the graph
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.node);
        const selfLoop = component.length === 1 && (out.get(w) ?? []).includes(w);
        if (component.length > 1 || selfLoop) components.push(component.sort());
      }
    }
  }
  return components.sort((a, b) => a[0].localeCompare(b[0]));
}

/**
 * One cycle through the component's first file, as `a.ts -> b.ts (type) -> a.ts`: the shortest, found breadth-first.
 */
function cycleChain(component: string[], edges: Edge[]): string {
  const members = new Set(component);
  const start = component[0];
  const prev = new Map<string, Edge>();
  const queue = [start];
  let closing: Edge | undefined;
  while (queue.length > 0 && closing === undefined) {
    const node = queue.shift()!;
    for (const e of edges) {
      if (e.from !== node || !members.has(e.to)) continue;
      if (e.to === start) {
        closing = e;
        break;
      }
      if (!prev.has(e.to)) {
        prev.set(e.to, e);
        queue.push(e.to);
      }
    }
  }
  if (closing === undefined) return component.join(', ');
  const path: Edge[] = [closing];
  for (let e = prev.get(closing.from); e !== undefined; e = prev.get(e.from)) path.unshift(e);
  return start + path.map((e) => ` -> ${e.to}${e.typeOnly ? ' (type-only)' : ''}`).join('');
}

function layerOf(file: string): number {
  const m = /^src\/([^/]+)\//.exec(file);
  return m ? (LAYERS as readonly string[]).indexOf(m[1]) : -1;
}

function lineCount(text: string): number {
  if (text.length === 0) return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

test('the import parser reads every form of import and export', () => {
  const src = [
    "import { a, b } from './plain.js';",
    'import {',
    '  c,',
    '  type D,',
    "} from '../multi.js';",
    "import type { E } from './type_only.js';",
    "import { type F, type G } from './inline_types.js';",
    "import H, * as I from './default_ns.js';",
    "import './side_effect.js';",
    "export { j } from './reexport.js';",
    "export type { K } from './reexport_type.js';",
    "export * from './star.js';",
    "export * as ns from './star_ns.js';",
    "const m = await import('./dynamic.js');",
    "type T = typeof import('./type_import.js');",
    "// import { x } from './in_a_comment.js';",
    "/* export * from './in_a_block_comment.js'; */",
    'const s = \'import { y } from "./in_a_string.js"\';',
    "import { readFileSync } from 'node:fs';",
  ].join('\n');
  const got = importsOf(src)
    .map((r) => `${r.spec}${r.typeOnly ? ' (type)' : ''}`)
    .sort();
  assert.deepEqual(
    got,
    [
      './default_ns.js',
      './dynamic.js',
      './inline_types.js (type)',
      './plain.js',
      './reexport.js',
      './reexport_type.js (type)',
      './side_effect.js',
      './star.js',
      './star_ns.js',
      './type_import.js (type)',
      './type_only.js (type)',
      '../multi.js',
      'node:fs',
    ].sort(),
  );
});

test('(a) no import cycle between files of src/ (type-only imports count)', () => {
  const files = tsFiles(join(root, 'src'));
  assert.ok(files.length > 50, `found the sources under ${root}src (${files.length} files)`);
  const edges = edgesOf(files);
  assert.ok(edges.length > files.length, 'found the imports');
  const cycles = cyclicComponents(files.map(rel), edges);
  const report = cycles.map((c) => {
    const others = c.length > 2 ? ` [${c.length} files in this knot: ${c.join(', ')}]` : '';
    return `  ${cycleChain(c, edges)}${others}`;
  });
  assert.equal(cycles.length, 0, `import cycles among the files of src/:\n${report.join('\n')}`);
});

test('(b) the layers only import downward: rl < tune < graph < farm < cli', () => {
  const files = tsFiles(join(root, 'src'));
  const bad = edgesOf(files)
    .filter((e) => layerOf(e.from) >= 0 && layerOf(e.to) > layerOf(e.from))
    .map(
      (e) =>
        `  ${e.from} (src/${LAYERS[layerOf(e.from)]}) imports ${e.to} (src/${LAYERS[layerOf(e.to)]})` +
        (e.typeOnly ? ' (type-only)' : ''),
    );
  assert.equal(bad.length, 0, `imports from a higher layer:\n${bad.join('\n')}`);
});

test(`(c) no .ts file of src/ or bench/ is over ${MAX_LINES} lines`, () => {
  const files = [...tsFiles(join(root, 'src')), ...tsFiles(join(root, 'bench'))];
  assert.ok(files.length > 50, 'found the sources');
  const long = files
    .map((f) => ({ file: rel(f), lines: lineCount(readFileSync(f, 'utf8')) }))
    .filter((x) => x.lines > MAX_LINES)
    .sort((a, b) => b.lines - a.lines)
    .map((x) => `  ${x.file}: ${x.lines} lines`);
  assert.equal(long.length, 0, `files over ${MAX_LINES} lines:\n${long.join('\n')}`);
});
