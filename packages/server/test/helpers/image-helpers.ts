/**
 * Test-only helpers for the image tests that run in-process: create an image and upload its
 * bytes through the API as a given DN (or straight into the stores, for apps that cannot
 * create images, like the plain-HTTP listener), list every file of the blob store (to prove that a
 * refused request stored nothing), and compute the digests a client would announce.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import type { ImageFields } from '../../src/metadata/image-store.js';
import type { TestApp } from './test-app.js';

export function sha256Hex(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `sha-256=:<base64>:` as in Repr-Digest. */
export function reprDigest(bytes: Buffer | string): string {
  return `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`;
}

/** Creates `name` as `dn` (201 asserted), with optional extra fields. */
export async function createImage(t: TestApp, dn: string, name: string, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const response = await t.request('POST', '/api/images', { dn, json: { name, ...fields } });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

/** PUTs `bytes` to the raw URL `path` (e.g. `/api/images/raw/bob/x`) as `dn`. */
export function putBytes(t: TestApp, dn: string | undefined, path: string, bytes: Buffer | string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return t.request('PUT', path, {
    ...(dn !== undefined && { dn }),
    payload: Buffer.from(bytes),
    headers: { 'content-type': 'application/octet-stream', ...headers },
  });
}

/** Creates `name` as `dn` and uploads `bytes` to it (200 asserted). */
export async function createWithBytes(t: TestApp, dn: string, owner: string, name: string, bytes: Buffer | string, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  await createImage(t, dn, name, fields);
  const response = await putBytes(t, dn, `/api/images/raw/${owner}/${name}`, bytes);
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

/** Every file under the blob store (committed blobs and temporary uploads), relative and sorted. */
export async function storageFiles(t: TestApp): Promise<string[]> {
  const root = t.config.storage.path;
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort();
}

/** Puts an image with `bytes` straight into the stores (no HTTP, no access checks). */
export async function seedImage(t: TestApp, owner: string, name: string, bytes: Buffer | string, fields: ImageFields = {}): Promise<void> {
  const user = await t.metadata.users.findByName(owner);
  assert.ok(user, `no user ${owner}`);
  const { readOnly, ...rest } = fields;
  const image = await t.metadata.images.create({ ownerId: user.id, name, ...rest });
  const upload = await t.blobs.createUpload();
  try {
    await upload.write(Readable.from([Buffer.from(bytes)]));
    assert.ok(await t.metadata.images.recordUpload(image.id, await upload.commit()));
    if (readOnly !== undefined) await t.metadata.images.update(image.id, { readOnly });
  } finally {
    await upload.cancel();
  }
}
