/**
 * The types derived from the schemas cover the client's hand-kept records and bodies
 * (packages/client/src/wire/api-types.ts), so that the client can import them instead: the
 * TypeScript compiler checks `fixtures/client-types-check.ts` with the project's settings, and
 * a deliberately wrong check must be reported (so the test can fail).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const FIXTURE = fileURLToPath(new URL('./fixtures/client-types-check.ts', import.meta.url));
const BASE = fileURLToPath(new URL('../../../tsconfig.base.json', import.meta.url));

function diagnosticsOf(source: string): string[] {
  const { config } = ts.readConfigFile(BASE, (path) => readFileSync(path, 'utf8'));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, fileURLToPath(new URL('.', import.meta.url)));
  const host = ts.createCompilerHost({ ...options, noEmit: true, composite: false, declaration: false });
  const read = host.readFile.bind(host);
  host.readFile = (path) => (path === FIXTURE ? source : read(path));
  const program = ts.createProgram([FIXTURE], { ...options, noEmit: true, composite: false, declaration: false }, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    return line + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  });
}

test('the schema types fit the client’s records and bodies', () => {
  assert.deepEqual(diagnosticsOf(readFileSync(FIXTURE, 'utf8')), []);
});

test('a check that does not hold is reported', () => {
  const wrong = `${readFileSync(FIXTURE, 'utf8')}\ncheck<Fits<client.ImageRecord, api.Image>>();\n`;
  assert.notDeepEqual(diagnosticsOf(wrong), []);
});
