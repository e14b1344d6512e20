// The public portal (执法公示) with no session, as a member of the public and
// the provincial 公示平台 reach it: search, a decision page with its ledger
// index, the Atom feed and the JSON API; 事前公开 with its officers, an
// officer's 执法证 page, the 统计年报. Nothing published may carry a
// personal identifier of the demo's parties: every name, ID number, phone
// number and detailed address the cases hold is looked for in every public
// answer.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, shot, withPage } from './lib/browser.mjs';
import { startServer } from './lib/server.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Every personal identifier the demo's cases hold, as the leader reads them. */
async function identifiers() {
  const out = new Set();
  const cases = (await server.apiGet('leader1', '/api/v1/cases?limit=100')).items;
  for (const c of cases) {
    const full = await server.apiGet('leader1', `/api/v1/cases/${c.id}`);
    for (const p of full.parties ?? full.case?.parties ?? []) {
      if (p.type === 'natural_person') {
        // (The demo names some people as their mask would, 王某: nothing to look for.)
        if (!/某+$/u.test(p.name)) out.add(p.name);
        out.add(p.id_number);
      } else if (p.legal_representative) {
        out.add(p.legal_representative);
      }
      if (p.phone) out.add(p.phone);
      // The part of an address below the district is what must not show.
      const below = p.address?.match(/[区县市](.+)$/u)?.[1];
      if (below && /\d/.test(below)) out.add(below);
    }
  }
  out.delete(undefined);
  assert.ok(out.size >= 8, `the demo's parties should give identifiers to look for, got ${[...out]}`);
  return [...out];
}

async function publicText(path) {
  const resp = await fetch(`${server.base}${path}`, { headers: { accept: 'text/html' } });
  assert.equal(resp.status, 200, `${path}`);
  assert.equal(resp.headers.get('set-cookie'), null, `${path} should set no cookie`);
  return resp.text();
}

test('the portal without a session: search, a decision with its ledger index, the feed', async () => {
  const planted = await identifiers();
  const api = await (await fetch(`${server.base}/public/api/v1/disclosures`)).json();
  assert.ok(api.total >= 2, `the demo should publish decisions, got ${api.total}`);

  await withPage(browser, server, {}, async (page) => {
    await page.goto('/public');
    assert.equal(await page.locator('header .who .user').count(), 0, 'nobody is signed in');
    const rows = page.locator('main table tbody tr');
    assert.ok(await rows.count() >= 2, 'the newest publications are listed');
    await shot(page, 'portal-1-search');

    // Search: 行政处罚, 文号 containing 罚, published from a day before the first.
    await page.locator('#q-kind').selectOption('administrative_penalty');
    await page.locator('#q-number').fill('监罚');
    await Promise.all([page.waitForURL(/number=/), page.locator('form.search button[type="submit"]').click()]);
    const found = await rows.allInnerTexts();
    assert.ok(found.length >= 1, 'the search finds the penalty decision');
    assert.ok(found.every((t) => t.includes('行政处罚') && t.includes('监罚')), `every row matches: ${found}`);
    // A 文号 nothing has: nothing found, said plainly.
    await page.locator('#q-number').fill('无此文号');
    await Promise.all([page.waitForURL(/number=/), page.locator('form.search button[type="submit"]').click()]);
    assert.match(await page.locator('main').innerText(), /没有符合条件的公示/);

    // A decision page: its text, masked, and the index of its ledger entry.
    await page.goto('/public');
    const first = api.items.find((i) => i.format_name === '行政处罚决定书');
    assert.ok(first, 'a penalty decision is published');
    await Promise.all([page.waitForURL(`**/public/decisions/${first.id}`), page.locator(`a[href="/public/decisions/${first.id}"]`).click()]);
    assert.equal((await page.locator('h1').innerText()).trim(), first.title);
    assert.equal((await page.locator('#ledger-index').innerText()).trim(), String(first.entry));
    const text = await page.locator('.published-text').innerText();
    assert.match(text, /当事人：\S+/);
    assert.ok(text.includes('某') || text.includes('*'), 'the text shows masked identifiers');
    await shot(page, 'portal-2-decision');

    // The feed, as a reader fetches it.
    const feed = await page.goto('/public/feed.atom');
    assert.match(feed.headers()['content-type'], /application\/atom\+xml/);
    const xml = await feed.text();
    assert.ok(xml.startsWith('<?xml'), 'an XML document');
    assert.equal((xml.match(/<entry>/g) ?? []).length, api.items.length, 'one entry per publication');
    assert.ok(xml.includes(`/public/decisions/${first.id}`), 'entries link to their pages');

    // 事前公开 and an officer's 执法证, then the 统计年报.
    await page.goto('/public/agencies');
    await Promise.all([page.waitForURL(/\/public\/agencies\/[0-9a-f-]+$/), page.locator('main a[href^="/public/agencies/"]').first().click()]);
    assert.match(await page.locator('main').innerText(), /权责清单/);
    const officers = page.locator('main table a[href^="/public/officers/"]');
    assert.ok(await officers.count() >= 3, 'the officers are listed');
    await shot(page, 'portal-3-agency');
    const cert = (await page.locator('main table td.mono').first().innerText()).trim();
    await Promise.all([page.waitForURL(/\/public\/officers\//), officers.first().click()]);
    assert.match(await page.locator('main').innerText(), /执法证号[\s\S]*有效/);
    await shot(page, 'portal-4-officer');
    // Where the QR code on a document leads: the same certificate, by its number.
    await page.goto(`/public/certificates/${encodeURIComponent(cert)}`);
    assert.match(await page.locator('main').innerText(), new RegExp(`${cert}[\\s\\S]*有效`));
    await page.goto('/public/agencies');
    await Promise.all([page.waitForURL(/\/stats\/\d{4}$/), page.locator('main a[href*="/stats/"]').first().click()]);
    assert.match(await page.locator('main').innerText(), /罚款金额/);
    await shot(page, 'portal-5-stats');
  });

  // No public answer carries a planted identifier: every page, the feed, the API.
  const paths = ['/public', '/public/feed.atom', '/public/api/v1/disclosures', '/public/agencies'];
  for (const d of api.items) paths.push(`/public/decisions/${d.id}`, `/public/api/v1/disclosures/${d.id}`);
  const agencies = await (await fetch(`${server.base}/public/api/v1/agencies`)).json();
  for (const a of agencies) paths.push(`/public/agencies/${a.id}`, `/public/api/v1/agencies/${a.id}/prior`);
  for (const path of paths) {
    const body = await publicText(path);
    const json = body.startsWith('{') || body.startsWith('[') ? JSON.stringify(JSON.parse(body)) : body;
    for (const id of planted) assert.ok(!json.includes(id), `${path} shows ${id}`);
  }
});
