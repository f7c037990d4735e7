/**
 * Sharing an image read-only with users and groups (`PUT`/`DELETE …/share/{user|group}/{name}`):
 * who has it now, each with a button to stop, and a field that suggests user and group names
 * (from `/api/users` and `/api/groups`, when the caller may list them).
 */
import type { Image } from '@repoman/api';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ACCOUNT_NAME_PATTERN, nameProblem } from '../limits.js';
import { ErrorNote } from './error-note.js';
import { useLoad } from './use-load.js';

type Kind = 'user' | 'group';

export function ImageSharing({ image, onChanged }: { image: Image; onChanged: (image: Image) => void }) {
  const [error, setError] = useState<unknown>(null);
  // Suggestions only: a caller who may not list users or groups still types the name.
  const users = useLoad(() => api.listUsers().then((list) => list.map((user) => user.user_name), () => []), []);
  const groups = useLoad(() => api.listGroups().then((list) => list.map((group) => group.name), () => []), []);

  const change = async (kind: Kind, who: string, on: boolean) => {
    setError(null);
    try {
      await api.share(image.owner, image.name, kind, who, on);
      onChanged(await api.getImage(image.owner, image.name));
    } catch (failure) {
      setError(failure);
    }
  };

  const add = (kind: Kind) => async (event: SubmitEvent) => {
    event.preventDefault();
    const input = (event.currentTarget as HTMLFormElement).elements.namedItem('who') as HTMLInputElement;
    const who = input.value.trim();
    const problem = nameProblem(`The ${kind} name`, who, ACCOUNT_NAME_PATTERN);
    if (problem !== null) return setError(new Error(problem));
    await change(kind, who, true);
    input.value = '';
  };

  return (
    <section aria-labelledby="sharing">
      <h2 id="sharing">Sharing</h2>
      <p>People it is shared with may read its details and download it, nothing more.</p>
      <ErrorNote error={error} />
      {(['user', 'group'] as const).map((kind) => {
        const current = kind === 'user' ? image.shared_with.users : image.shared_with.groups;
        const suggestions = (kind === 'user' ? users.data : groups.data) ?? [];
        return (
          <div key={kind} class="share">
            <h3>{kind === 'user' ? 'Users' : 'Groups'}</h3>
            {current.length === 0 ? (
              <p class="empty">Not shared with any {kind}.</p>
            ) : (
              <ul class="chips">
                {current.map((who) => (
                  <li key={who}>
                    {who}{' '}
                    <button type="button" class="secondary" onClick={() => change(kind, who, false)} aria-label={`Stop sharing with ${kind} ${who}`}>
                      Stop
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <form class="inline" onSubmit={add(kind)}>
              <label>
                Share with {kind}
                <input name="who" list={`${kind}-names`} autoComplete="off" required />
              </label>
              <datalist id={`${kind}-names`}>
                {suggestions.filter((name) => !current.includes(name)).map((name) => (
                  <option key={name} value={name} />
                ))}
              </datalist>
              <button type="submit">Share</button>
            </form>
          </div>
        );
      })}
    </section>
  );
}
