// `node --import tsx bench/seed-dataset.ts DATABASE_URL`: fills a metadata database (migrated
// here if needed; `sqlite:PATH` or `postgres://…`) with the API bench's 20,000-image data set
// (lib/api-dataset.ts), e.g. to try a server or the web UI at that scale. `npm run bench --
// --api` does the same by itself. Prints what it wrote and how long that took.
import { seedDataset } from './lib/api-dataset.js';

const [url] = process.argv.slice(2);
if (url === undefined) {
  process.stderr.write('usage: node --import tsx bench/seed-dataset.ts sqlite:PATH | postgres://USER@HOST:PORT/DB\n');
  process.exit(2);
}
seedDataset(url).then(
  (report) => process.stdout.write(`seeded ${url}: ${report.users} users, ${report.images} images, ${report.shares} shares in ${report.seconds.toFixed(1)} s\n`),
  (error: unknown) => {
    process.stderr.write(`seed-dataset: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
