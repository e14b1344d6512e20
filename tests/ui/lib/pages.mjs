// The pages of the web UI and who may open them: one row per page, shared
// by roles.test.mjs (what each role sees there) and security.test.mjs
// (headers and forms of every page). A page that lands is one more row.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
  { name: 'review', path: (f, who) => `/cases/${f.caseFor[who]}/review`, roles: CASE_READERS },
  { name: 'document-new', path: (f, who) => `/cases/${f.caseFor[who]}/documents/new?format=${f.format}`, roles: OPENERS },
  // The draft and the clip belong to officer1's case and take its label
  // (个人隐私 or 商业秘密), above the supervisor's clearance (内部): no page for them.
  { name: 'document', path: (f) => `/documents/${f.document}`, roles: ['officer1', 'leader1'] },
  { name: 'evidence', path: (f) => f.evidence && `/evidence/${f.evidence}`, roles: ['officer1', 'leader1'] },
  { name: 'upload', path: '/upload', roles: ['officer1', 'leader1', 'station1'] },
  { name: 'supervision', path: '/supervision', roles: ['leader1', 'supervisor1', 'admin'] },
  { name: 'audit', path: '/audit', roles: ['supervisor1', 'admin'] },
  { name: 'access', path: '/access', roles: CASE_READERS },
  { name: 'disclosure', path: '/disclosure', roles: ['officer1', 'leader1', 'reviewer1', 'supervisor1'] },
  { name: 'ledger', path: '/ledger', roles: ALL },
  { name: 'admin', path: '/admin', roles: ['admin'] },
  { name: 'password', path: '/password', roles: ALL },
];

/** The path of a row for a login (null when there is nothing to open). */
export function pathOf(row, fixtures, who) {
  return typeof row.path === 'function' ? row.path(fixtures, who) : row.path;
}

// Stages in the order a case page shows the most of itself.
const RICHEST = ['investigation', 'decision', 'execution', 'initiation', 'archived'];

/**
 * What the pages are opened on, read from the demo through the API: for
 * each login the case page it opens (the leader's for those who see none:
 * they must get the 404 page), an archived case, a case officer1 may not
 * see; a document format, a draft of it and a camera clip (when ffmpeg is
 * there to make one) on officer1's case.
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

  // A case of officer1's labelled above the supervisor's clearance (内部):
  // its draft and clip take that label and have no page for the supervisor.
  const above = seen.officer1.find((c) => c.stage !== 'archived' && ['personal_privacy', 'trade_secret'].includes(c.label));
  assert.ok(above, 'the demo should give officer1 an open case labelled above 内部');
  const officerCase = above.id;
  const { token } = await server.signIn('officer1');
  const auth = { authorization: `Bearer ${token}` };
  const formats = await server.apiGet('officer1', '/api/v1/document-formats');
  f.format = formats[0].code;
  const d = await fetch(`${server.base}/api/v1/cases/${officerCase}/documents`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ format: f.format }),
  });
  assert.equal(d.status, 201, `drafting a ${f.format}: ${await d.clone().text()}`);
  f.document = (await d.json()).id;
  f.evidence = await uploadClip(server, auth, officerCase);
  return f;
}

/** A 2-second clip made by ffmpeg, uploaded (tus) to the case; its evidence id, or null without ffmpeg. */
async function uploadClip(server, auth, caseId) {
  const dir = mkdtempSync(join(tmpdir(), 'liuhen-ui-clip-'));
  try {
    const file = join(dir, 'clip.mp4');
    try {
      execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i',
        'testsrc=duration=2:size=320x180:rate=5', '-c:v', 'libx264', '-preset', 'ultrafast',
        '-pix_fmt', 'yuv420p', '-movflags', '+faststart', file]);
    } catch {
      return null;
    }
    const bytes = readFileSync(file);
    const b64 = (v) => Buffer.from(v).toString('base64');
    const start = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const meta = { filename: '20260101_100000_CAM01.mp4', filetype: 'video/mp4', case_id: caseId, recorded_start: start };
    const created = await fetch(`${server.base}/api/v1/uploads`, {
      method: 'POST',
      headers: {
        ...auth, 'tus-resumable': '1.0.0', 'upload-length': String(bytes.length),
        'upload-metadata': Object.entries(meta).map(([k, v]) => `${k} ${b64(v)}`).join(','),
      },
    });
    assert.equal(created.status, 201, `creating an upload: ${await created.text()}`);
    const done = await fetch(new URL(created.headers.get('location'), server.base), {
      method: 'PATCH',
      headers: { ...auth, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: bytes,
    });
    assert.equal(done.status, 204, `uploading the clip: ${await done.text()}`);
    const id = done.headers.get('liuhen-evidence-id');
    assert.ok(id, 'the finished upload names its evidence');
    return id;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
