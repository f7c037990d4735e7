#!/usr/bin/env node
// repoman: the command-line client. A skeleton until [3/6] fills in the commands.
console.log('repoman: the command-line client is not built yet (see issue [3/6]).');
process.exitCode = 1;
