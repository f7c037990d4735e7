/**
 * @repoman/api: the Repoman REST API as data. Schemas (TypeBox, JSON Schema 2020-12) and the
 * types derived from them for every record, body, query and error; the route table; the
 * OpenAPI 3.1 document built from it; and the answer check of the contract tests.
 */
export * from './common.js';
export * from './errors.js';
export * from './fastify-schema.js';
export * from './groups.js';
export * from './images.js';
export * from './links.js';
export * from './openapi.js';
export * from './routes.js';
export * from './users.js';
export * from './validate.js';
export * from './imagelists.js';
