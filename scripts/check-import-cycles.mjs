#!/usr/bin/env node
// Fails when modules of this repository import each other in a circle.
//
// Walks every TypeScript and JavaScript source of the workspaces, tests and scripts, follows
// relative imports and the `@llmgw/*` package names (to their src/index.ts), and reports each
// strongly connected component of the import graph with one cycle through it. Type-only
// imports count: a circle of types is still two files that cannot be understood apart.
//
//   node scripts/check-import-cycles.mjs [--json]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_DIRS = ['packages', 'tests', 'scripts'];
const SKIP_DIRS = new Set(['node_modules', 'dist', '__fixtures__', '.git']);
const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/**
 * Circles inside these folders are printed as warnings instead of failing the check. None:
 * every package is held to it (the gateway's circles went with its restructuring, issue 20).
 * @type {string[]}
 */
const WARN_ONLY = [];

const PACKAGES = Object.fromEntries(
  readdirSync(join(ROOT, 'packages')).map((dir) => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8'));
    return [pkg.name, join(ROOT, 'packages', dir, 'src', 'index.ts')];
  }),
);

function listSources(dir, found = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) listSources(path, found);
    else if (EXTENSIONS.some((ext) => entry.name.endsWith(ext)) && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

function isFile(path) {
  return existsSync(path) && statSync(path).isFile();
}

/** `./x.js` written in a .ts file names `./x.ts` (NodeNext); a folder names its index. */
function resolveSpecifier(from, specifier) {
  if (PACKAGES[specifier]) return PACKAGES[specifier];
  if (!specifier.startsWith('.')) return null;
  const base = resolve(dirname(from), specifier);
  const stem = base.replace(/\.(m?js|m?ts)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.js`, `${stem}.mjs`, join(base, 'index.ts'), join(base, 'index.js')];
  return candidates.find(isFile) ?? null;
}

/** Every module specifier a file imports: static, re-exports, `import()` and `import('x').T`. */
function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const specifiers = [];
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      specifiers.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specifiers.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

/** Tarjan's algorithm, iterative: the components of more than one file, or a file importing itself. */
function circles(graph) {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const found = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work = [[start, 0]];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [node, i] = frame;
      const edges = [...graph.get(node)];
      if (i < edges.length) {
        frame[1]++;
        const to = edges[i];
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push([to, 0]);
        } else if (onStack.has(to)) {
          low.set(node, Math.min(low.get(node), index.get(to)));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(node)));
      }
      if (low.get(node) === index.get(node)) {
        const component = [];
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.push(member);
        } while (member !== node);
        if (component.length > 1 || graph.get(node).has(node)) found.push(component.sort());
      }
    }
  }
  return found;
}

/** The shortest way from a file back to itself inside one component, for the message. */
function shortestCycle(graph, component) {
  const members = new Set(component);
  let best = null;
  for (const from of component) {
    const previous = new Map([[from, null]]);
    const queue = [from];
    let path = null;
    while (queue.length > 0 && !path) {
      const node = queue.shift();
      for (const to of graph.get(node)) {
        if (!members.has(to)) continue;
        if (to === from) {
          path = [];
          for (let at = node; at !== null; at = previous.get(at)) path.unshift(at);
          break;
        }
        if (!previous.has(to)) {
          previous.set(to, node);
          queue.push(to);
        }
      }
    }
    if (path && (!best || path.length < best.length)) best = path;
  }
  return [...best, best[0]];
}

const files = SOURCE_DIRS.flatMap((dir) => (existsSync(join(ROOT, dir)) ? listSources(join(ROOT, dir)) : []));
const graph = new Map(files.map((file) => [file, new Set()]));
for (const file of files) {
  for (const specifier of importsOf(file)) {
    const target = resolveSpecifier(file, specifier);
    if (target && graph.has(target)) graph.get(file).add(target);
  }
}

const rel = (file) => relative(ROOT, file).split(sep).join('/');
const found = circles(graph).map((component) => {
  const files = component.map(rel);
  return { files, cycle: shortestCycle(graph, component).map(rel), warnOnly: files.every((f) => WARN_ONLY.some((dir) => f.startsWith(dir))) };
});

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(found, null, 2));
} else {
  for (const c of found) {
    console.log(`${c.warnOnly ? 'warning' : 'error'}: ${c.files.length} files import each other in a circle, e.g.\n  ${c.cycle.join('\n  → ')}`);
    if (c.files.length > c.cycle.length - 1) console.log(`  all of them:\n    ${c.files.join('\n    ')}`);
  }
  const errors = found.filter((c) => !c.warnOnly).length;
  console.log(`import circles: ${files.length} files checked, ${errors} error(s), ${found.length - errors} warning(s)`);
}
process.exitCode = found.some((c) => !c.warnOnly) ? 1 : 0;
