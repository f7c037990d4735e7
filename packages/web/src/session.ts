/**
 * Who is looking: the caller's `GET /api/whoami` record, or null for a browser without a
 * registered certificate (401), with the server's reason (e.g. "the certificate … is not
 * registered"). Pages read it through `useSession` to decide what to offer; the server still
 * decides every action.
 */
import type { Whoami } from '@repoman/api';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { api, ApiError } from './api.js';

export interface Session {
  readonly me: Whoami | null;
  /** Why there is no user (the server's message), when `me` is null. */
  readonly reason: string | null;
}

export async function loadSession(): Promise<Session> {
  try {
    return { me: await api.whoami(), reason: null };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return { me: null, reason: error.message };
    throw error;
  }
}

export const SessionContext = createContext<Session>({ me: null, reason: null });

export const useSession = (): Session => useContext(SessionContext);

/** Whether the session may change an image of `owner` (the owner, admins, image_modify holders). */
export function mayModify(me: Whoami | null, owner: string): boolean {
  return me !== null && (me.user_name === owner || me.admin || me.permissions.includes('image_modify'));
}

export function mayDelete(me: Whoami | null, owner: string): boolean {
  return me !== null && (me.user_name === owner || me.admin || me.permissions.includes('image_delete'));
}
