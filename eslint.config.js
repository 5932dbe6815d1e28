// Lint rules that guard what the type checker cannot (run by `npm test`, before vitest):
//
// 1. Workflow purity. Temporal replays workflow code and requires it to be deterministic: no
//    Node built-ins, no I/O libraries, no Temporal client/worker/activity packages. The rule applies
//    to every file of workflows/ and workflow-safe/ (the folder of pure code that workflows
//    import) AND to every module workflow code imports at run time (type-only imports are erased
//    by the compiler and do not count), found by walking the import graph from the workflows'
//    entry point, so a helper imported by a workflow from elsewhere is checked without anyone
//    listing it.
//    In the spirit of samples-typescript's hello-world/.eslintrc.js.
// 2. No floating promises anywhere: an unawaited promise is an error that nobody sees.
import { builtinModules } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

const root = dirname(fileURLToPath(import.meta.url));
const WORKFLOW_ENTRY = 'workflows/index.ts';

/** Relative modules reachable from `entry` through value imports/exports (not `import type`). */
function workflowModules(entry) {
  const seen = new Set();
  const queue = [resolve(root, entry)];
  const spec = /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"](\.[^'"]+)['"]/gm;
  while (queue.length) {
    const file = queue.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(spec)) {
      // `import { type A, type B } from` is erased too.
      const clause = m[0].slice(0, m[0].lastIndexOf('from'));
      if (/^\s*(import|export)\s*\{[^}]*\}/.test(clause) && /\{\s*(type\s+[\w$]+\s*,?\s*)+\}/.test(clause)) continue;
      const base = resolve(dirname(file), m[1]);
      const candidates = [base, `${base}.ts`, resolve(base, 'index.ts')];
      const found = candidates.find((c) => c.endsWith('.ts') && existsSync(c));
      if (found) queue.push(found);
    }
  }
  return [...seen].map((f) => relative(root, f));
}

// Workflow code may import at run time only what lives in workflows/ or workflow-safe/, so the
// folder says which code is bundled into workflows.
const outside = workflowModules(WORKFLOW_ENTRY).filter((f) => !/^(workflows|workflow-safe)\//.test(f));
if (outside.length) {
  throw new Error(`workflow code imports ${outside.join(', ')} at run time: move it to workflow-safe/ (or import only its types)`);
}

const NOT_IN_WORKFLOWS = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  'pg',
  'pg-copy-streams',
  'kysely',
  'nodemailer',
  'handlebars',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
];

// The command sits on top: it may start a worker (`govflow dev`, `govflow worker`), but nothing
// below it imports the command, so worker, activities and domain code never form a circle with it.
const NOT_THE_CLI = {
  regex: '^\\.{1,2}/(.*/)?cli(/.*)?$',
  message: 'only cli/ (and tests, benchmarks) may import cli/: move what both need into a shared folder',
};

// Activities are thin Temporal-facing shells over the domain folders (docs/architecture.md): the
// domain code they wrap never imports them back, so what a step does is found in its domain.
const NOT_ACTIVITIES = {
  regex: '^\\.{1,2}/(.*/)?activities(/.*)?$',
  message: 'domain code may not import activities/ (thin shells over it): import the domain module, or move what both need into a domain folder',
};
const DOMAIN_FOLDERS = ['ingest', 'audit', 'consent', 'masking', 'policy', 'config', 'reporting', 'lifecycle', 'db', 'observability', 'temporal'];

/** Workflow purity (rule 1) with the import patterns a folder's files must also keep to. */
const workflowImports = (patterns) => [
  'error',
  {
    paths: NOT_IN_WORKFLOWS.map((name) => ({
      name,
      message: 'workflow code must be deterministic: do this in an activity (see docs/architecture.md)',
      allowTypeImports: true,
    })),
    patterns,
  },
];

export default tseslint.config(
  { ignores: ['vitest.*.ts', 'node_modules/**', 'test-artifacts/**', 'data/**', 'test/fixtures/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: root },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['**/*.ts'],
    ignores: ['cli/**', 'test/**', 'bench/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [NOT_THE_CLI] }] },
  },
  {
    files: DOMAIN_FOLDERS.map((folder) => `${folder}/**/*.ts`),
    rules: { 'no-restricted-imports': ['error', { patterns: [NOT_THE_CLI, NOT_ACTIVITIES] }] },
  },
  {
    files: ['workflows/**/*.ts', 'workflow-safe/**/*.ts', ...workflowModules(WORKFLOW_ENTRY)],
    rules: {
      // workflows/ may import activities' types (what a workflow calls); workflow-safe/ is domain code.
      'no-restricted-imports': workflowImports([NOT_THE_CLI]),
      // Date/Math.random are made deterministic by the workflow sandbox; process and timers are not.
      'no-restricted-globals': ['error', 'process', 'setImmediate', 'require'],
    },
  },
  {
    files: ['workflow-safe/**/*.ts'],
    rules: { 'no-restricted-imports': workflowImports([NOT_THE_CLI, NOT_ACTIVITIES]) },
  },
);
