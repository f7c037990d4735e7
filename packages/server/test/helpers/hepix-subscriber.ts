/**
 * A HEPiX image list subscriber, played as vmcatcher and atrope do it, with the real tools: it
 * fetches the list with `curl` (no client certificate), checks the S/MIME signature with
 * `openssl smime -verify -CApath <grid CA dir>`, then applies vmcatcher's rules — the signer's
 * subject is `hv:dn` and its issuer `hv:ca`, `dc:identifier` is the one seen before, `hv:version`
 * only increases, `dc:date:created` is not in the future and `dc:date:expires` not passed, every
 * required field is present and non-empty (the union of what vmcatcher, cloudkeeper and atrope
 * read) — and downloads every image with `curl` without a certificate, checking its size and
 * its sha512 with `sha512sum`. Each run throws, naming the rule, when one fails.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LIST_FIELDS = ['dc:identifier', 'dc:title', 'dc:description', 'dc:source', 'dc:date:created', 'dc:date:expires', 'hv:version', 'hv:uri'];
const IMAGE_FIELDS = [
  'dc:identifier', 'dc:title', 'dc:description', 'hv:uri', 'hv:size', 'sl:checksum:sha512', 'hv:version', 'hv:hypervisor', 'hv:format',
  'sl:arch', 'sl:os', 'sl:osname', 'sl:osversion', 'sl:comments', 'ad:mpuri', 'ad:group', 'ad:user:fullname', 'ad:user:guid',
  'ad:user:uri', 'hv:ram_minimum', 'hv:core_minimum',
];
const ENDORSER_FIELDS = ['hv:dn', 'hv:ca', 'hv:email', 'dc:creator'];

export type HepixImage = Record<string, string | number>;
export type HepixList = Record<string, unknown> & { 'hv:images': { 'hv:image': HepixImage }[] };

export interface SubscriberRun {
  readonly list: HepixList;
  readonly images: HepixImage[];
  /** The sha512 sum of each downloaded image, by dc:identifier. */
  readonly downloaded: Map<string, string>;
}

export interface Subscriber {
  /** One fetch, verification and download of everything; throws on the first broken rule. */
  run(): Promise<SubscriberRun>;
  cleanup(): Promise<void>;
}

function nonEmpty(record: Record<string, unknown>, fields: readonly string[], where: string): void {
  for (const field of fields) {
    const value = record[field];
    assert.ok(value !== undefined && value !== null && String(value).trim() !== '', `${where}: ${field} is missing or empty`);
  }
}

function certName(pem: string, which: 'subject' | 'issuer'): string {
  const out = execFileSync('openssl', ['x509', '-in', pem, '-noout', `-${which}`, '-nameopt', 'compat'], { encoding: 'utf8' });
  return out.trim().replace(/^(subject|issuer)=/, '');
}

export async function makeSubscriber(url: string, caDir: string): Promise<Subscriber> {
  const dir = await mkdtemp(join(tmpdir(), 'repoman-subscriber-'));
  let identifier: string | undefined;
  let version: bigint | undefined;
  let runs = 0;

  return {
    async run() {
      runs += 1;
      const signed = join(dir, `image.list.${runs}`);
      const fetched = spawnSync('curl', ['-sS', '-f', '--capath', caDir, '-o', signed, url], { encoding: 'utf8' });
      assert.equal(fetched.status, 0, `curl could not fetch the list: ${fetched.stderr}`);
      const content = join(dir, `content.${runs}.json`);
      const signer = join(dir, `signer.${runs}.pem`);
      const verified = spawnSync('openssl', ['smime', '-verify', '-in', signed, '-CApath', caDir, '-out', content, '-signer', signer], { encoding: 'utf8' });
      assert.equal(verified.status, 0, `openssl smime -verify refused the list: ${verified.stderr}`);

      const list = (JSON.parse(await readFile(content, 'utf8')) as { 'hv:imagelist': HepixList })['hv:imagelist'];
      nonEmpty(list, LIST_FIELDS, 'list');
      const endorser = (list['hv:endorser'] as { 'hv:x509': Record<string, string> } | undefined)?.['hv:x509'];
      assert.ok(endorser, 'list: hv:endorser.hv:x509 is missing');
      nonEmpty(endorser, ENDORSER_FIELDS, 'endorser');
      assert.equal(endorser['hv:dn'], certName(signer, 'subject'), 'the signer is not hv:dn');
      assert.equal(endorser['hv:ca'], certName(signer, 'issuer'), "the signer's issuer is not hv:ca");
      assert.ok(Date.parse(String(list['dc:date:created'])) <= Date.now() + 1000, 'dc:date:created is in the future');
      assert.ok(Date.parse(String(list['dc:date:expires'])) > Date.now(), 'dc:date:expires has passed');
      if (identifier !== undefined) assert.equal(list['dc:identifier'], identifier, 'dc:identifier changed');
      identifier = String(list['dc:identifier']);
      const listVersion = BigInt(String(list['hv:version']));
      if (version !== undefined) assert.ok(listVersion >= version, `hv:version went down: ${listVersion} < ${version}`);
      version = listVersion;
      assert.ok(Array.isArray(list['hv:images']), 'hv:images is not a list');

      const images = list['hv:images'].map((entry) => entry['hv:image']);
      const downloaded = new Map<string, string>();
      for (const image of images) {
        nonEmpty(image, IMAGE_FIELDS, `image ${String(image['dc:identifier'])}`);
        const file = join(dir, `image.${runs}.${String(image['dc:identifier'])}`);
        // No --cert: a cloud's subscriber has no grid credential.
        const got = spawnSync('curl', ['-sS', '-f', '--capath', caDir, '-o', file, String(image['hv:uri'])], { encoding: 'utf8' });
        assert.equal(got.status, 0, `curl could not download ${String(image['hv:uri'])} without a certificate: ${got.stderr}`);
        assert.equal((await stat(file)).size, Number(image['hv:size']), `hv:size of ${String(image['dc:identifier'])}`);
        const sum = execFileSync('sha512sum', [file], { encoding: 'utf8' }).split(' ')[0] ?? '';
        assert.equal(sum, image['sl:checksum:sha512'], `sha512sum of ${String(image['hv:uri'])}`);
        downloaded.set(String(image['dc:identifier']), sum);
        await rm(file);
      }
      return { list, images, downloaded };
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
