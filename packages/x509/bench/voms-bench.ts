/**
 * Benchmark: prints what checking a VOMS AC adds to a cold login. The proxy is made by
 * voms-proxy-fake over an openssl test CA (test/voms-fixtures.ts); a cold login is
 * ChainValidator.validate without its cache; the AC check is VomsValidator.validate on the
 * same chain, once with the VOMS server's chain already in the validator's cache (the usual
 * case: one server signs every AC of a VO) and once with no cache at all.
 * Run: node --import tsx packages/x509/bench/voms-bench.ts
 */
import { ChainValidator, TrustStore, VomsValidator } from '../src/index.js';
import { LSC, VOMS_HOST, makeGridFixture } from '../test/voms-fixtures.js';

const fx = await makeGridFixture();
try {
  const chain = await fx.fake('bench', { fqans: ['/testvo/Role=NULL/Capability=NULL', '/testvo/higgs'] });
  const { vomsdir } = await fx.vomsdir('bench', { [`testvo/${VOMS_HOST}.lsc`]: LSC });
  const trust = await TrustStore.load({ caDir: fx.caDir });
  const cold = new ChainValidator({ trust, cacheSize: 0 });
  const warmVoms = new VomsValidator({ vomsdir, chainValidator: new ChainValidator({ trust }) });
  const coldVoms = new VomsValidator({ vomsdir, chainValidator: cold });
  if (warmVoms.validate(chain).fqans.length !== 2) throw new Error('the bench AC is not trusted');

  // Wall time and this process's CPU time per run: on a shared machine the CPU time is the
  // steadier figure (wall time also counts the time other processes hold the cores).
  const time = (label: string, n: number, fn: () => unknown): number => {
    for (let i = 0; i < 200; i++) fn();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    const wall = Number(process.hrtime.bigint() - t0) / n / 1000;
    const cpuUsed = process.cpuUsage(cpu0);
    const cpu = (cpuUsed.user + cpuUsed.system) / n;
    console.log(`${label}: ${wall.toFixed(1)} µs wall, ${cpu.toFixed(1)} µs CPU (${n} runs)`);
    return cpu;
  };
  const login = time('cold login without VOMS (chain validation, no cache)', 500, () => cold.validate(chain));
  const ac = time('AC check, VOMS server chain cached', 2000, () => warmVoms.validate(chain));
  const acCold = time('AC check, nothing cached (VOMS server chain validated too)', 500, () => coldVoms.validate(chain));
  console.log(`a cold login with an AC, CPU: ${(login + ac).toFixed(1)} µs (+${(ac / 1000).toFixed(3)} ms; +${(acCold / 1000).toFixed(3)} ms with nothing cached)`);
} finally {
  await fx.cleanup();
}
