// The pages of the web UI and who may open them: one row per page, shared
// by roles.test.mjs (what each role sees there) and security.test.mjs
// (headers and forms of every page). A page that lands is one more row.

import assert from 'node:assert/strict';

export const ALL = ['officer1', 'leader1', 'reviewer1', 'archivist1', 'supervisor1', 'station1', 'admin'];
export const CASE_READERS = ['officer1', 'leader1', 'reviewer1', 'archivist1', 'supervisor1'];
export const OPENERS = ['officer1', 'leader1'];

/**
 * `path`: a string, or a function of the fixtures and the login (null:
 * nothing to open for that role). `roles`: who may open it; everyone else
 * must get the 404 page.
 */
export const PAGES = [
  { name: 'workbench', path: '/workbench', roles: ALL },
  { name: 'cases', path: '/cases', roles: CASE_READERS },
  { name: 'cases-filtered', path: '/cases?stage=investigation', roles: CASE_READERS },
  { name: 'case-new', path: '/cases/new', roles: OPENERS },
  { name: 'case', path: (f, who) => `/cases/${f.caseFor[who]}`, roles: CASE_READERS },
  { name: 'case-archived', path: (f, who) => f.archivedFor[who] && `/cases/${f.archivedFor[who]}`, roles: CASE_READERS },
  { name: 'password', path: '/password', roles: ALL },
  // Being written elsewhere; uncomment as each lands on main:
  // { name: 'review', path: (f, who) => `/cases/${f.caseFor[who]}/review`, roles: CASE_READERS },
  // { name: 'upload', path: '/upload', roles: ['officer1', 'station1'] },
  // { name: 'access', path: '/access', roles: CASE_READERS },
  // { name: 'supervision', path: '/supervision', roles: ['leader1', 'supervisor1'] },
  // { name: 'audit', path: '/audit', roles: ['supervisor1'] },
  // { name: 'ledger', path: '/ledger', roles: ALL },
  // { name: 'admin', path: '/admin', roles: ['admin'] },
];

/** The path of a row for a login (null when there is nothing to open). */
export function pathOf(row, fixtures, who) {
  return typeof row.path === 'function' ? row.path(fixtures, who) : row.path;
}

// Stages in the order a case page shows the most of itself.
const RICHEST = ['investigation', 'decision', 'execution', 'initiation', 'archived'];

/**
 * Case ids from the demo, read through the API: for each login the case
 * page it opens (the leader's for those who see none: they must get the 404
 * page), an archived one, and one officer1 may not see.
 */
export async function caseFixtures(server) {
  const seen = {};
  for (const who of ALL) {
    seen[who] = CASE_READERS.includes(who) ? (await server.apiGet(who, '/api/v1/cases?limit=100')).items : [];
  }
  const pick = (items) => RICHEST.map((s) => items.find((c) => c.stage === s)).find(Boolean)?.id;
  const f = { caseFor: {}, archivedFor: {}, outOfScope: null, seen };
  for (const who of ALL) {
    f.caseFor[who] = pick(seen[who].filter((c) => c.stage !== 'archived')) ?? pick(seen[who]) ?? pick(seen.leader1);
    f.archivedFor[who] = seen[who].find((c) => c.stage === 'archived')?.id ??
      (CASE_READERS.includes(who) ? null : seen.leader1.find((c) => c.stage === 'archived')?.id);
  }
  const mine = new Set(seen.officer1.map((c) => c.id));
  f.outOfScope = seen.leader1.find((c) => !mine.has(c.id))?.id;
  assert.ok(f.caseFor.leader1, 'the demo should give the leader an open case');
  assert.ok(f.outOfScope, 'the demo should have a case outside officer1\'s scope');
  return f;
}
