#!/usr/bin/env node
// repoman-server command line.
console.log('repoman-server');
