#!/usr/bin/env node
// The package's command. It lives outside dist/ so the file exists before the first build:
// pnpm links every workspace package's bins at install time, in a fresh clone too.
import '../dist/cli.js';
