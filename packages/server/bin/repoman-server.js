#!/usr/bin/env -S node --single-threaded-gc --max-semi-space-size=2
// The `repoman-server` executable (package.json `bin`, and what `npm start` runs). Committed
// rather than built, so that npm links it on the first `npm install` of a fresh clone, before
// `prepare` has built dist/ (npm links no bin whose target is missing). The shebang's V8 flags
// cannot be set once node runs; src/cli.ts says why they are there.
import '../dist/cli.js';
