/**
 * Users, for administrators: every user with DN, groups, usage and quotas; a form to register a
 * user (name and certificate DN), and per user buttons to suspend or reinstate and a form for
 * its quotas (0: unlimited). The server's answers — refusals and the warning for a quota below
 * current usage — are shown as it words them.
 */
import type { User } from '@repoman/api';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorNote } from '../components/error-note.js';
import { useLoad } from '../components/use-load.js';
import { formatBytes, formatQuota } from '../format.js';
import { ACCOUNT_NAME_PATTERN, nameProblem } from '../limits.js';
import { useSession } from '../session.js';

const GIB = 1024 ** 3;

export function UsersPage() {
  const { me } = useSession();
  const users = useLoad(() => api.listUsers(), []);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  if (me === null) return <p>Log in with your certificate to manage users.</p>;

  /** Runs a change, shows the server's warning or refusal, and reloads the list; true when it succeeded. */
  const act = async (work: () => Promise<unknown>): Promise<boolean> => {
    setError(null);
    setNotice(null);
    try {
      const result = (await work()) as { warning?: string } | undefined;
      if (result?.warning !== undefined) setNotice(result.warning);
      users.reload();
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    }
  };

  return (
    <>
      <h1>Users</h1>
      <NewUserForm onCreate={(fields) => act(() => api.createUser(fields))} />
      <ErrorNote error={error ?? users.error} />
      {notice !== null && <p class="notice" role="status">{notice}</p>}
      {users.data !== undefined && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">DN</th>
                <th scope="col">Groups</th>
                <th scope="col">Storage</th>
                <th scope="col">Images</th>
                <th scope="col">Quotas</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((user) => (
                <UserRow key={user.user_name} user={user} act={act} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function UserRow({ user, act }: { user: User; act: (work: () => Promise<unknown>) => Promise<boolean> }) {
  const saveQuotas = (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const gib = Number(form.get('quota_gib') ?? '0');
    const images = Number(form.get('quota_images') ?? '0');
    if (!(gib >= 0) || !Number.isInteger(images) || images < 0) return void act(() => Promise.reject(new Error('quotas must be numbers, 0 or more (0: unlimited)')));
    void act(() => api.modifyUser(user.user_name, { quota_bytes: Math.round(gib * GIB), quota_images: images }));
  };
  return (
    <tr>
      <th scope="row">
        {user.user_name}
        {user.full_name !== '' && <div class="muted">{user.full_name}</div>}
      </th>
      <td class="dn">{user.client_dn}</td>
      <td>{user.groups.join(', ')}</td>
      <td>{formatQuota(user.usage.bytes, user.quota_bytes, formatBytes)}</td>
      <td>{formatQuota(user.usage.images, user.quota_images)}</td>
      <td>
        <form class="inline compact" onSubmit={saveQuotas} aria-label={`Quotas of ${user.user_name}`}>
          <label>
            GiB
            <input name="quota_gib" type="number" min={0} step="any" defaultValue={String(user.quota_bytes / GIB)} />
          </label>
          <label>
            Images
            <input name="quota_images" type="number" min={0} step={1} defaultValue={String(user.quota_images)} />
          </label>
          <button type="submit" aria-label={`Save quotas of ${user.user_name}`}>Save</button>
        </form>
      </td>
      <td>
        {user.suspended && <span class="badge danger">suspended</span>}{' '}
        <button type="button" class="secondary" onClick={() => act(() => api.modifyUser(user.user_name, { suspended: !user.suspended }))}>
          {user.suspended ? `Reinstate ${user.user_name}` : `Suspend ${user.user_name}`}
        </button>
      </td>
    </tr>
  );
}

function NewUserForm({ onCreate }: { onCreate: (fields: { user_name: string; client_dn: string; full_name: string; email: string }) => Promise<boolean> }) {
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    const text = (key: string) => String(form.get(key) ?? '').trim();
    const problem = nameProblem('The user name', text('user_name'), ACCOUNT_NAME_PATTERN);
    if (problem !== null) return setError(new Error(problem));
    if (!text('client_dn').startsWith('/')) return setError(new Error('The DN is written in the grid’s slash form: /C=CA/O=Grid/CN=Bob Smith'));
    setError(null);
    // Kept as typed when the server refuses, so the user fixes what its message names.
    if (await onCreate({ user_name: text('user_name'), client_dn: text('client_dn'), full_name: text('full_name'), email: text('email') })) element.reset();
  };
  return (
    <form class="panel grid" onSubmit={submit} aria-label="New user">
      <label>
        User name
        <input name="user_name" required maxLength={64} autoComplete="off" />
      </label>
      <label class="wide">
        Certificate DN
        <input name="client_dn" required placeholder="/C=CA/O=Grid/CN=Bob Smith" autoComplete="off" />
      </label>
      <label>
        Full name
        <input name="full_name" autoComplete="off" />
      </label>
      <label>
        E-mail
        <input name="email" type="email" autoComplete="off" />
      </label>
      <div class="wide">
        <ErrorNote error={error} />
        <button type="submit">Register user</button>
      </div>
    </form>
  );
}
