/**
 * What a browser without a registered certificate is told (SPEC §4.1): it sees public images
 * only, and logs in by importing its grid certificate as PKCS#12 and reloading; a newcomer on
 * the development server uses the admin's `var/pki/admin/admin.p12`.
 */
export function LoginHint({ reason }: { reason: string | null }) {
  return (
    <aside class="hint" aria-label="How to log in">
      <p>
        <strong>You are not logged in</strong>: you see public images only.
        {reason !== null && <> The server says: <q>{reason}</q>.</>}
      </p>
      <p>
        To log in, import your grid certificate (a PKCS#12 <code>.p12</code> file) into this browser — in Chromium or
        Firefox under Settings → Privacy and security → Certificates → Import — then reload this page and choose it. A
        certificate that is not registered here needs an administrator to add your DN. On a development server, the
        admin's certificate is <code>var/pki/admin/admin.p12</code> (its password is printed by <code>npm start</code>).
      </p>
    </aside>
  );
}
