/**
 * The caller as the server sees it (`GET /api/whoami`): DN, name, e-mail, groups (stored and
 * given by VOMS for this request), trusted FQANs, permissions, and quota and usage.
 */
import { formatBytes, formatQuota } from '../format.js';
import { useSession } from '../session.js';

export function MePage() {
  const { me } = useSession();
  if (me === null) return <p>You are not logged in; see above how to log in with your certificate.</p>;
  const rows: [string, string][] = [
    ['User name', me.user_name],
    ['Certificate DN', me.client_dn],
    ['Full name', me.full_name || '—'],
    ['E-mail', me.email || '—'],
    ['Groups', me.groups.join(', ') || '—'],
    ['VOMS FQANs (this request)', me.fqans.join(', ') || '—'],
    ['Groups from VOMS', me.voms_groups.join(', ') || '—'],
    ['Permissions', me.permissions.join(', ') || '—'],
    ['Administrator', me.admin ? 'yes' : 'no'],
    ['Storage used', formatQuota(me.usage.bytes, me.quota_bytes, formatBytes)],
    ['Images owned', formatQuota(me.usage.images, me.quota_images)],
  ];
  return (
    <>
      <h1>{me.full_name || me.user_name}</h1>
      <dl class="meta">
        {rows.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {me.quota_bytes > 0 && (
        <p>
          <label>
            Storage quota used
            <meter min={0} max={me.quota_bytes} value={me.usage.bytes} high={me.quota_bytes * 0.9}>
              {Math.round((100 * me.usage.bytes) / me.quota_bytes)}%
            </meter>
          </label>
        </p>
      )}
    </>
  );
}
