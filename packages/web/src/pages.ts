/**
 * The UI's pages by URL: the first path segment (one of `PAGE_NAMES`) picks one; an image's
 * page is `/images/{owner}/{name}`. New pages slot in here (and in `PAGE_NAMES`).
 */
import type { FunctionComponent } from 'preact';
import { GroupsPage } from './pages/groups-page.js';
import { ImageListsPage } from './pages/image-lists-page.js';
import { ImagePage } from './pages/image-page.js';
import { ImagesPage } from './pages/images-page.js';
import { MePage } from './pages/me-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { UsersPage } from './pages/users-page.js';
import type { PageName } from './page-names.js';

export interface PageEntry {
  readonly title: string;
  readonly component: FunctionComponent;
}

export const PAGES: Readonly<Record<PageName, PageEntry>> = {
  images: { title: 'Images', component: ImagesPage },
  groups: { title: 'Groups', component: GroupsPage },
  imagelists: { title: 'Image lists', component: ImageListsPage },
  me: { title: 'Me', component: MePage },
  users: { title: 'Users', component: UsersPage },
};

export function pageFor(path: string): PageEntry {
  const [first = '', ...rest] = path.split('/').filter(Boolean);
  if (first === '') return PAGES.images;
  if (first === 'images' && rest.length === 2) return { title: decodeURIComponent(rest[1]!), component: ImagePage };
  return (PAGES as Record<string, PageEntry | undefined>)[first] ?? { title: 'Not found', component: NotFoundPage };
}
