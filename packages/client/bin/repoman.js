#!/usr/bin/env node
// The `repoman` executable (package.json `bin`). Committed rather than built, so that npm links
// it on the first `npm install` of a fresh clone, before `prepare` has built dist/ (npm links
// no bin whose target is missing). It runs the bundle (scripts/bundle.mjs): one file that
// carries the workspace packages, so an installed client needs only its registry dependencies.
import '../dist/cli.bundle.js';
