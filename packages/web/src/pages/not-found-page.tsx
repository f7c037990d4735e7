/** Any URL the UI has no page for. */
import { Link } from '../router.js';

export function NotFoundPage() {
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no page here. <Link href="/images">Back to the images</Link>.
      </p>
    </>
  );
}
