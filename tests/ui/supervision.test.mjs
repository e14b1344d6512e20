// The live supervision feed: a supervisor watching in one browser sees an
// officer's reading of a case, made in another, within a second.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, login, newContext, shot } from './lib/browser.mjs';
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

test('a case read appears on the supervision feed within 1 s', { timeout: 120_000 }, async () => {
  const watcher = await newContext(browser, server);
  const reader = await newContext(browser, server);
  const sp = await watcher.newPage();
  const op = await reader.newPage();
  await login(sp, 'supervisor1');
  await login(op, 'officer1');
  const { items } = await server.apiGet('officer1', '/api/v1/cases?limit=50');
  const seen = await server.apiGet('supervisor1', '/api/v1/cases?limit=50');
  // A case both may read, so that the supervisor's feed may show it.
  const shared = items.find((c) => seen.items.some((s) => s.id === c.id));
  assert.ok(shared, 'the demo has a case both the officer and the supervisor read');

  await sp.goto('/supervision');
  await sp.locator('#live-state', { hasText: /已连接/ }).waitFor({ timeout: 10_000 });
  // The read is on the ledger before the page is served: time from then.
  const served = op.waitForResponse((r) => new URL(r.url()).pathname === `/cases/${shared.id}`);
  const opened = op.goto(`/cases/${shared.id}`);
  await served;
  const t0 = Date.now();
  const read = sp.locator('#feed li', { hasText: '查看案件' }).filter({ hasText: '张伟' }).filter({
    has: sp.locator(`a[href="/cases/${shared.id}"]`),
  });
  await read.first().waitFor({ timeout: 5_000 });
  const waited = Date.now() - t0;
  await opened;
  await shot(sp, 'supervision-live');
  assert.ok(waited < 1_000, `the read appeared ${waited} ms after the page was served`);
  watcher.guard.assertClean();
  reader.guard.assertClean();
  await watcher.close();
  await reader.close();
});
