// One case walked through the browser from 立案 to 送达执行, as the people
// who handle it would: an officer opens it and records a 查封扣押 with two
// camera clips uploaded through the upload page (one interrupted by a
// reload and resumed), sees the unexplained gap in red, explains it (中止说明)
// and sees it turn amber; the documents the rulebook asks for are drafted
// and issued; a major fine passes 法制审核; the leader decides and moves
// the case on. Then a clip is played and sought: one viewing-session entry.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { launchBrowser, login, newContext, shot } from './lib/browser.mjs';
import { binaryPath, startServer } from './lib/server.mjs';

let server;
let browser;
const clips = {};
const pad = (n) => String(n).padStart(2, '0');

/** `YYYYMMDD_HHMMSS` and `YYYY-MM-DDTHH:MM` of a time, in Beijing time. */
function beijing(ms) {
  const d = new Date(ms + 8 * 3600 * 1000);
  const day = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  const local = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return { name: `${day}_${time}`, local };
}

/** A real H.264 clip of `seconds`, made by ffmpeg, named by its start as body cameras name files. */
function makeClip(dir, startMs, seconds) {
  const file = join(dir, `${beijing(startMs).name}_CAM01.mp4`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i',
    `testsrc=duration=${seconds}:size=320x180:rate=5`, '-f', 'lavfi', '-i', `anoisesrc=d=${seconds}:a=0.02`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest',
    '-movflags', '+faststart', file]);
  return file;
}

// The act: 12 minutes that ended 20 minutes ago, on whole minutes.
const actStart = Math.floor((Date.now() - 32 * 60_000) / 60_000) * 60_000;
const actEnd = actStart + 12 * 60_000;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const dir = mkdtempSync(join(tmpdir(), 'liuhen-clips-'));
  // Camera 1 covers the first 5 minutes; camera 1 again from minute 7 to the end: a 2-minute gap.
  clips.a = makeClip(dir, actStart, 300);
  clips.b = makeClip(dir, actStart + 7 * 60_000, 300);
  assert.ok(statSync(clips.b).size > 3 * 65536, 'the second clip spans several upload chunks');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A valid 统一社会信用代码 (GB 32100) for `body` (17 characters). */
function uscc(body) {
  const A = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const sum = [...body].reduce((s, c, i) => s + A.indexOf(c) * W[i], 0);
  return body + A[(31 - (sum % 31)) % 31];
}

/** Submits an api-form and waits for its page to reload or move on; fails with the page's error. */
async function submit(page, form, { confirm = false } = {}) {
  if (confirm) page.once('dialog', (d) => d.accept());
  const url = page.url();
  const error = form.locator('.form-error');
  await form.locator('button[type="submit"]').click();
  await Promise.race([
    page.waitForURL((u) => u.toString() !== url, { timeout: 30_000 }).catch(() => {}),
    page.waitForEvent('load', { timeout: 30_000 }).catch(() => {}),
    error.waitFor({ state: 'visible', timeout: 30_000 }).catch(() => {}),
  ]);
  if (await error.isVisible().catch(() => false)) {
    assert.fail(`the form was refused: ${await error.textContent()}`);
  }
  await page.waitForLoadState('load');
}

/** Fills every empty required field of a document form with something plausible, then saves. */
async function fillDocument(page) {
  const form = page.locator('form[data-method="PUT"]');
  if (!(await form.count())) return;
  for (const field of await form.locator('.field').all()) {
    const required = (await field.locator('label').first().textContent())?.includes('*');
    if (!required) continue;
    const input = field.locator('input, textarea, select').first();
    const value = await input.inputValue();
    if (value.trim()) continue;
    const tag = await input.evaluate((e) => e.tagName);
    const type = await input.getAttribute('type');
    if (tag === 'SELECT') {
      const options = await input.locator('option').allTextContents();
      await input.selectOption({ index: options.length > 1 ? 1 : 0 });
    } else if (type === 'date') {
      await input.fill(beijing(Date.now()).local.slice(0, 10));
    } else if (type === 'time') {
      await input.fill('10:00');
    } else if ((await input.getAttribute('inputmode')) === 'decimal') {
      await input.fill('300000');
    } else if (tag === 'TEXTAREA') {
      await input.fill('经查，当事人在经营场所销售超过保质期的食品，执法人员现场予以查封扣押。');
    } else {
      await input.fill('临江市市场监督管理局');
    }
  }
  await submit(page, form);
}

/** Drafts a document of the case (as the page's officer), fills it, and returns its page URL. */
async function draft(page, caseUrl, name) {
  await page.goto(caseUrl);
  const select = page.locator('#doc-format');
  const value = await select.locator('option', { hasText: name }).first().getAttribute('value');
  await select.selectOption(value);
  await page.locator('#new-doc button[type="submit"]').click();
  await page.waitForURL('**/documents/new?format=*');
  await submit(page, page.locator('form.api-form'));
  await page.waitForURL('**/documents/*');
  await fillDocument(page);
  return page.url();
}

async function issue(page, docUrl) {
  await page.goto(docUrl);
  await submit(page, page.locator('form[data-action$="/issue"]'), { confirm: true });
  assert.match(await page.locator('h1').textContent(), /已签发|issued/);
}

async function move(page, caseUrl, stage) {
  await page.goto(caseUrl);
  const form = page.locator('form[data-action$="/transitions"]');
  await form.locator('#mv-reason').fill(`进入${stage}`);
  assert.equal(await form.locator('#mv-override').count(), 0, `nothing may block the move to ${stage}`);
  await submit(page, form);
  assert.match(await page.locator('ol.stages li.now').textContent(), new RegExp(stage));
}

test('a case from 立案 to 送达执行 in the browser', { timeout: 600_000 }, async () => {
  const officer = await newContext(browser, server);
  const leader = await newContext(browser, server);
  const reviewer = await newContext(browser, server);
  const op = await officer.newPage();
  const lp = await leader.newPage();
  const rp = await reviewer.newPage();
  await login(op, 'officer1');
  await login(lp, 'leader1');
  await login(rp, 'reviewer1');

  // 立案.
  await op.goto('/cases/new');
  await op.locator('#cause').fill('销售超过保质期的食品');
  await op.locator('#kind').selectOption('administrative_penalty');
  await op.locator('#p0-name').fill('临江市鲜达食品商行有限公司');
  await op.locator('#p0-uscc').fill(uscc('91330100MA2W7K3L4'));
  await op.locator('#summary').fill('群众举报该商行销售过期乳制品。');
  await op.locator('label', { hasText: '王芳' }).locator('input').check();
  await submit(op, op.locator('form.api-form'));
  await op.waitForURL(/\/cases\/[0-9a-f-]{36}$/);
  const caseUrl = new URL(op.url()).pathname;
  const caseId = caseUrl.split('/').pop();
  await shot(op, 'walk-1-opened');

  // 立案审批表, issued by the leader; then 调查取证.
  const filing = await draft(op, caseUrl, '立案审批表');
  await issue(lp, filing);
  await move(lp, caseUrl, '调查取证');

  // The 查封扣押 act and an 询问, recorded by the officer.
  async function act(kind, venue, start, end, elements) {
    await op.goto(caseUrl);
    const form = op.locator('form[data-action$="/acts"]');
    await form.locator('#a-kind').selectOption(kind);
    await form.locator('#a-venue').selectOption(venue);
    await form.locator('#a-start').fill(beijing(start).local);
    await form.locator('#a-end').fill(beijing(end).local);
    await form.locator('#a-addr').fill('临江市滨江区江南大道88号');
    await form.locator('label', { hasText: '王芳' }).locator('input').check();
    await form.locator('input[name="parties"]').first().check();
    await form.locator('#a-elements').fill(elements);
    await submit(op, form);
  }
  await act('seizure', 'on_site', actStart, actEnd, '场景, 出示执法证, 违法违规行为');
  await act('inquiry', 'on_site', actEnd + 60_000, actEnd + 10 * 60_000, '场景, 出示执法证');

  // Two clips through the upload page; the second one's upload is cut by
  // a dropped network and a reload, and resumes from where it stopped.
  await op.goto(`/upload?case=${caseId}`);
  await op.evaluate(() => { document.getElementById('upload-form').dataset.chunk = '65536'; });
  await op.locator('#up-files').setInputFiles(clips.a);
  await op.locator('#start').click();
  await op.locator('#files li').first().getByText('SHA-256').waitFor({ timeout: 60_000 });

  let patches = 0;
  await op.route('**/api/v1/uploads/*', async (route) => {
    if (route.request().method() === 'PATCH' && ++patches === 3) return route.abort('internetdisconnected');
    return route.continue();
  });
  officer.guard.expect(/\/api\/v1\/uploads\/[0-9a-f]+$/);
  await op.evaluate(() => { document.getElementById('upload-form').dataset.chunk = '65536'; });
  await op.locator('#up-files').setInputFiles(clips.b);
  await op.locator('#start').click();
  await op.locator('#files li .status', { hasText: /网络中断/ }).last().waitFor({ timeout: 30_000 });
  await op.unroute('**/api/v1/uploads/*');
  await op.reload();
  await op.evaluate(() => { document.getElementById('upload-form').dataset.chunk = '65536'; });
  const resumedAt = op.waitForRequest((r) => r.method() === 'PATCH' && r.url().includes('/api/v1/uploads/'));
  await op.locator('#up-files').setInputFiles(clips.b);
  await op.locator('#files li .status', { hasText: /从中断处续传/ }).waitFor();
  await op.locator('#start').click();
  const first = await resumedAt;
  assert.ok(Number(first.headers()['upload-offset']) >= 2 * 65536, 'the upload resumed where it stopped, not from 0');
  await op.locator('#files li').first().getByText('SHA-256').waitFor({ timeout: 60_000 });
  await shot(op, 'walk-2-uploaded');

  // The gap shows red on the act's coverage bar; a 中止说明 turns it amber.
  await op.goto(caseUrl);
  const seizure = op.locator('article.event', { hasText: '查封扣押' });
  assert.equal(await seizure.locator('svg.coverage rect.gap:not(.explained)').count(), 1, 'one unexplained gap');
  assert.ok(await seizure.locator('svg.coverage rect.covered').count() >= 2);
  await shot(op, 'walk-3-gap');
  const why = seizure.locator('form[data-action*="/interruptions"]');
  await why.locator('select[name="reason"]').selectOption('battery');
  await why.locator('textarea[name="text"]').fill('执法记录仪电量耗尽，更换电池后继续录制。');
  await submit(op, why);
  const explained = op.locator('article.event', { hasText: '查封扣押' });
  assert.equal(await explained.locator('svg.coverage rect.gap.explained').count(), 1, 'the gap is explained');
  assert.equal(await explained.locator('svg.coverage rect.gap:not(.explained)').count(), 0);
  await shot(op, 'walk-4-explained');

  // The documents the rulebook still asks for: drafted and issued where a
  // format exists, registered by their scan where only paper is.
  const wanted = async () => {
    await op.goto(caseUrl);
    const text = (await op.locator('.findings li').allTextContents()).join('\n');
    return [...new Set([...text.matchAll(/《([^》]+)》/g)].map((m) => m[1]))];
  };
  const formats = await op.locator('#doc-format option').allTextContents();
  for (const name of await wanted()) {
    if (['行政处罚事先告知书', '行政处罚决定书', '送达回证', '结案审批表', '不予行政处罚决定书'].includes(name)) continue;
    if (formats.includes(name)) {
      await issue(lp, await draft(op, caseUrl, name));
    } else {
      assert.fail(`the rulebook asks for 《${name}》 and liuhen has no format for it`);
    }
  }
  await move(lp, caseUrl, '审核决定');

  // A major fine: proposed, submitted, reviewed, decided.
  await op.goto(`${caseUrl}/review`);
  const propose = op.locator('form[data-action$="/decision"]');
  await propose.locator('#d-fine').fill('300000');
  await propose.locator('input[value="fine"]').check();
  await propose.locator('#d-summary').fill('罚款人民币叁拾万元整，没收过期食品。');
  await submit(op, propose);
  assert.match(await op.locator('.notice').textContent(), /重大执法决定/);
  await submit(op, op.locator('form[data-action$="/review"]'));
  await rp.goto('/workbench');
  await rp.locator(`a[href="/cases/${caseId}/review"]`).click();
  const opinion = rp.locator('form[data-action$="/opinion"]');
  for (const box of await opinion.locator('input[type="checkbox"]').all()) await box.check();
  await opinion.locator('#op-outcome').selectOption('approve');
  await opinion.locator('#op-text').fill('事实清楚，证据充分，程序合法，适用法律正确，同意。');
  await submit(rp, opinion);
  await shot(rp, 'walk-5-reviewed');

  await issue(lp, await draft(op, caseUrl, '行政处罚事先告知书'));
  await lp.goto(`${caseUrl}/review`);
  await submit(lp, lp.locator('form[data-action$="/decision/issue"]'), { confirm: true });
  await issue(lp, await draft(op, caseUrl, '行政处罚决定书'));
  await move(lp, caseUrl, '送达执行');
  await shot(lp, 'walk-6-executing');

  // Play a clip and seek to its middle: the position moves, no media
  // error, and one viewing-session entry for the whole session.
  await op.goto(caseUrl);
  await op.locator('a[href^="/evidence/"]').first().click();
  await op.waitForURL('**/evidence/*');
  const evidence = op.url().split('/').pop();
  const sessions = async () => {
    const r = await server.apiGet('supervisor1', `/api/v1/audit/records/evidence:${evidence}`);
    return r.filter((row) => row.kind === 'evidence.viewing_session').length;
  };
  const video = op.locator('video#media');
  await video.evaluate((v) => new Promise((res, rej) => {
    if (v.readyState >= 1) res();
    v.addEventListener('loadedmetadata', res, { once: true });
    v.addEventListener('error', () => rej(new Error(`media error ${v.error?.code}`)), { once: true });
  }));
  const moved = await video.evaluate((v) => new Promise((res, rej) => {
    v.addEventListener('seeked', () => res(v.currentTime), { once: true });
    v.addEventListener('error', () => rej(new Error(`media error ${v.error?.code}`)), { once: true });
    v.currentTime = v.duration / 2;
  }));
  assert.ok(moved > 100, `currentTime moved to the middle (${moved})`);
  assert.equal(await video.evaluate((v) => v.error), null);
  assert.match(await op.locator('#timecode').textContent(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  await shot(op, 'walk-7-player');
  assert.equal(await sessions(), 1, 'exactly one viewing session in the ledger');

  for (const c of [officer, leader, reviewer]) {
    c.guard.assertClean();
    await c.close();
  }
});

// The demo's 查封扣押 of helmets, as its leader sees it: the limit with the
// extension approved before it ran out (once only: no second form), then the
// seizure released through the page's form, which ends the limit.
test('a leader reads an extended seizure and releases it in the browser', { timeout: 120_000 }, async () => {
  const leader = await newContext(browser, server);
  const lp = await leader.newPage();
  await login(lp, 'leader1');
  const { items } = await server.apiGet('leader1', `/api/v1/cases?q=${encodeURIComponent('电动自行车头盔')}`);
  assert.equal(items.length, 1);
  await lp.goto(`/cases/${items[0].id}`);
  const limit = lp.locator('p.limit');
  assert.match(await limit.textContent(), /自查封扣押起30日（自然日），含延长15日/);
  assert.match(await lp.locator('section[aria-labelledby="compliance"]').textContent(), /已延长 15 日/);
  assert.equal(await lp.locator('form[data-action$="/limit/extension"]').count(), 0, 'extended once only');
  assert.match(await lp.locator('#limit-decide').locator('..').textContent(), /只能延长一次/);
  await shot(lp, 'seizure-1-extended');

  const release = lp.locator('form[data-action$="/seizure/release"]');
  await release.locator('#rel-reason').selectOption('decided');
  await release.locator('#rel-text').fill('复检合格，解除扣押，360顶头盔当场退还当事人。');
  await submit(lp, release, { confirm: true });
  assert.match(await lp.locator('section[aria-labelledby="compliance"]').textContent(), /已解除查封扣押（已经作出处理决定，不再需要查封扣押）/);
  assert.equal(await lp.locator('form[data-action$="/seizure/release"]').count(), 0);
  await shot(lp, 'seizure-2-released');
  leader.guard.assertClean();
  await leader.close();
});

// 归档 as the archivist does it: package an archived case from its page,
// download the tar file through the page's link, and check it offline with
// the binary a court would use.
test('an archivist packages a case, downloads it and it verifies offline', { timeout: 120_000 }, async () => {
  const archivist = await newContext(browser, server);
  const ap = await archivist.newPage();
  await login(ap, 'archivist1');
  const { items } = await server.apiGet('archivist1', `/api/v1/cases?q=${encodeURIComponent('销售超过保质期的食品')}`);
  assert.equal(items.length, 1);
  await ap.goto(`/cases/${items[0].id}`);
  await submit(ap, ap.locator('form[data-action$="/archive"]'), { confirm: true });
  const panel = ap.locator('section[aria-labelledby="archive"]');
  const fileNo = (await panel.locator('dd.mono').first().textContent()).trim();
  // 全宗-年度-保管期限代码-件号, the class from the rulebook.
  assert.match(fileNo, /-\d{4}-(Y|D\d+|M\d+)-\d{4}$/);
  assert.match(await panel.textContent(), /保管期限/);
  assert.match(await panel.textContent(), /通过/);
  await shot(ap, 'archive-1-packaged');
  const [download] = await Promise.all([
    ap.waitForEvent('download'),
    panel.locator('a[href$="/package"]').click(),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'liuhen-archive-'));
  const file = join(dir, download.suggestedFilename());
  await download.saveAs(file);
  assert.equal(download.suggestedFilename(), `${fileNo}.tar`);
  const keys = join(dir, 'keys.txt');
  writeFileSync(keys, await (await fetch(`${server.base}/ledger/keys`)).text());
  const out = execFileSync(binaryPath(), ['verify', file, '--key', keys], { encoding: 'utf8' });
  assert.match(out, /verified/);
  assert.match(out, new RegExp(fileNo));

  // A legal hold, placed from the case page, listed on 档案保管 and lifted there.
  const holdForm = panel.locator('form[data-action="/api/v1/holds"]');
  await holdForm.locator('input[name="reason"]').fill('行政诉讼未决（临川市人民法院）');
  await submit(ap, holdForm);
  assert.match(await panel.textContent(), /冻结中/);
  await shot(ap, 'archive-2-held');
  await ap.goto('/retention');
  const holds = ap.locator('section[aria-labelledby="holds"]');
  assert.match(await holds.textContent(), /行政诉讼未决/);
  await shot(ap, 'archive-3-retention-page');
  const lift = holds.locator('form[data-action$="/lift"]').first();
  await lift.locator('input[name="reason"]').fill('判决已生效');
  await submit(ap, lift);
  assert.doesNotMatch(await ap.locator('section[aria-labelledby="holds"]').textContent(), /行政诉讼未决/);
  archivist.guard.assertClean();
  await archivist.close();
});
