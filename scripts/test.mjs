#!/usr/bin/env node
// Runs the node test runner over TypeScript test files (through tsx, with the workspace's
// source condition so packages resolve to src/). `unit`: every *.test.ts beside the code and
// under tests/; `crash`: the SIGKILL scenarios under tests/crash/.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const suite = process.argv[2] === 'crash' ? 'crash' : 'unit';
// After the suite: options for node --test (starting with "-"), or path prefixes to run only
// the test files under them, e.g. `npm test -- packages/streams`.
const extra = process.argv.slice(3).filter((a) => a.startsWith('-'));
const only = process.argv.slice(3).filter((a) => !a.startsWith('-'));

function walk(dir, out = []) {
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const crashDir = join('tests', 'crash');
const all = [...walk('packages'), ...walk('tests')];
const files = (suite === 'crash' ? all.filter((f) => f.startsWith(crashDir)) : all.filter((f) => !f.startsWith(crashDir))).filter(
  (f) => only.length === 0 || only.some((prefix) => f.startsWith(prefix.replace(/^\.\//, ''))),
);
if (files.length === 0) {
  console.error(`no test files for suite ${suite}`);
  process.exit(1);
}
files.sort();
const args = ['--conditions=switchyard-source', '--import', 'tsx', '--test', '--test-reporter=spec', ...extra, ...files];
// The AWS SDK (a test client only: a devDependency) warns on Node < 22 that its releases after
// January 2027 will need Node 22. The lockfile pins one that runs on Node 20; the warning, once
// per test process, buried the test output.
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...process.env };
const { status } = spawnSync(process.execPath, args, { stdio: 'inherit', env });
process.exit(status ?? 1);
