// Checks that .github/workflows/ci.yml runs exactly the steps of .ci/run, in the same order, so
// the GitHub workflow cannot drift from the command CI runs here. The one step each side may
// replace: scripts/services.sh (the workflow starts the databases as service containers).
import { readFileSync } from 'node:fs';

const SERVICES = 'bash scripts/services.sh';
const isStep = (line) => /^(pnpm|bash scripts\/)/.test(line);

const local = readFileSync('.ci/run', 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => isStep(line) && line !== SERVICES);
const workflow = readFileSync('.github/workflows/ci.yml', 'utf8')
  .split('\n')
  .map((line) => line.match(/^\s*- run: (.+?)\s*(#.*)?$/)?.[1])
  .filter((line) => line !== undefined && isStep(line));

const width = Math.max(local.length, workflow.length);
const diffs = [];
for (let i = 0; i < width; i++) {
  if (local[i] !== workflow[i])
    diffs.push(`  step ${i + 1}: .ci/run has ${JSON.stringify(local[i] ?? null)}, ci.yml has ${JSON.stringify(workflow[i] ?? null)}`);
}
if (local.length === 0) diffs.push('  no steps found in .ci/run');
if (diffs.length > 0) {
  console.error(`[ci-workflow] .github/workflows/ci.yml differs from .ci/run:\n${diffs.join('\n')}`);
  process.exit(1);
}
console.log(`[ci-workflow] ci.yml runs the ${local.length} steps of .ci/run`);
