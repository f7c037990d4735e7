/**
 * The first path segments of the UI's pages. The server answers index.html for them
 * (`UI_PAGES` in packages/server/src/http/web-ui.ts; test/web-build.test.ts keeps both equal),
 * so a reload or a shared link of any page works.
 */
export const PAGE_NAMES = ['images', 'groups', 'imagelists', 'me', 'users'] as const;
export type PageName = (typeof PAGE_NAMES)[number];
