/**
 * Groups and their members: every group with its members and permissions (`/groups`), one
 * group with buttons to add and remove members (`/groups/{name}`; the server decides who may),
 * and a form to create a group for holders of group_create.
 */
import type { Group } from '@repoman/api';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorNote } from '../components/error-note.js';
import { useLoad } from '../components/use-load.js';
import { ACCOUNT_NAME_PATTERN, nameProblem } from '../limits.js';
import { Link, navigate, useLocation } from '../router.js';
import { useSession } from '../session.js';

export function GroupsPage() {
  const { path } = useLocation();
  const { me } = useSession();
  const selected = decodeURIComponent(path.split('/')[2] ?? '');
  // Read again on every move between the list and a group, so a group just created is there.
  const groups = useLoad(() => api.listGroups(), [selected]);
  const group = groups.data?.find((candidate) => candidate.name === selected);

  if (me === null) return <p>Log in with your certificate to see the groups.</p>;
  if (selected !== '') {
    return (
      <>
        <p class="crumbs">
          <Link href="/groups">Groups</Link>
        </p>
        <ErrorNote error={groups.error} />
        {groups.data !== undefined && group === undefined && <p class="error" role="alert">No group is named {selected}.</p>}
        {group !== undefined && <GroupDetail group={group} onChanged={groups.reload} />}
      </>
    );
  }
  return (
    <>
      <h1>Groups</h1>
      {me.permissions.includes('group_create') && <NewGroupForm />}
      <ErrorNote error={groups.error} />
      {groups.data !== undefined && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Members</th>
                <th scope="col">Permissions</th>
                <th scope="col">VOMS FQANs</th>
              </tr>
            </thead>
            <tbody>
              {groups.data.map((g) => (
                <tr key={g.name}>
                  <td>
                    <Link href={`/groups/${encodeURIComponent(g.name)}`}>{g.name}</Link>
                    {g.protected && <span class="badge muted">built-in</span>}
                  </td>
                  <td>{g.users.length}</td>
                  <td>{g.permissions.join(', ') || '—'}</td>
                  <td>{g.voms_fqans.join(', ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function GroupDetail({ group, onChanged }: { group: Group; onChanged: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const users = useLoad(() => api.listUsers().then((list) => list.map((user) => user.user_name), () => []), []);
  const change = async (user: string, on: boolean) => {
    setError(null);
    try {
      await api.member(group.name, user, on);
      onChanged();
    } catch (failure) {
      setError(failure);
    }
  };
  const add = async (event: SubmitEvent) => {
    event.preventDefault();
    const input = (event.currentTarget as HTMLFormElement).elements.namedItem('user') as HTMLInputElement;
    const user = input.value.trim();
    const problem = nameProblem('The user name', user, ACCOUNT_NAME_PATTERN);
    if (problem !== null) return setError(new Error(problem));
    await change(user, true);
    input.value = '';
  };
  return (
    <>
      <h1>{group.name}</h1>
      <p>
        Permissions: {group.permissions.join(', ') || 'none'}. {group.voms_fqans.length > 0 && <>VOMS members: {group.voms_fqans.join(', ')}.</>}
      </p>
      <h2>Members</h2>
      <ErrorNote error={error} />
      {group.users.length === 0 ? (
        <p class="empty">No members yet.</p>
      ) : (
        <ul class="chips">
          {group.users.map((user) => (
            <li key={user}>
              {user}{' '}
              <button type="button" class="secondary" onClick={() => change(user, false)} aria-label={`Remove ${user} from ${group.name}`}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form class="inline" onSubmit={add}>
        <label>
          Add member
          <input name="user" list="member-names" autoComplete="off" required />
        </label>
        <datalist id="member-names">
          {(users.data ?? []).filter((name) => !group.users.includes(name)).map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
        <button type="submit">Add</button>
      </form>
    </>
  );
}

function NewGroupForm() {
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget as HTMLFormElement).get('name') ?? '').trim();
    const problem = nameProblem('The group name', name, ACCOUNT_NAME_PATTERN);
    if (problem !== null) return setError(new Error(problem));
    try {
      const group = await api.createGroup({ name });
      navigate(`/groups/${encodeURIComponent(group.name)}`);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form class="inline" onSubmit={submit} aria-label="Create a group">
      <label>
        New group
        <input name="name" required maxLength={64} autoComplete="off" />
      </label>
      <button type="submit">Create</button>
      <ErrorNote error={error} />
    </form>
  );
}
