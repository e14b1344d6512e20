// What each demo role sees in the web UI, and what it must not see: every
// page of PAGES (lib/pages.mjs) is opened by every role at both widths
// (those not allowed must get the 404 page), photographed, and checked. A
// page that lands is one more row in PAGES; a role's expectations are its
// entry in ROLES below.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { VIEWPORTS, launchBrowser, login, menu, notFoundShape, shot, withPage } from './lib/browser.mjs';
import { ALL, PAGES, caseFixtures, pathOf } from './lib/pages.mjs';
import { startServer } from './lib/server.mjs';

// Selectors.
const OPEN_CASE_LINK = 'a[href="/cases/new"]';
const MOVE_FORM = 'form.api-form[data-action$="/transitions"]';
const RECORD_FORM = 'form.api-form[data-action$="/acts"]';
const ASSIGN_FORM = 'form.api-form[data-action$="/officers"]';
const ISSUE_FORM = 'form.api-form[data-action$="/issue"]';
const LEDGER_LOOKUP = 'form[action="/ledger"]';
const ASK_ACCESS_FORM = 'form.api-form[data-action="/api/v1/access-requests"]';
const EDIT_DOCUMENT_FORM = 'form.api-form[data-method="PUT"][data-action^="/api/v1/documents/"]';
/** A form that changes something (everything but a GET form and signing out). */
const CHANGE_FORM = 'form.api-form:not([data-method="GET" i]), form[method="post" i]:not([action="/logout"])';
/** A control that issues (签发) a document or decision. */
const ISSUE_CONTROL = 'button:has-text("签发"), a:has-text("签发"), input[type="submit"][value*="签发"]';

const has = (selector, what) => async (page) =>
  assert.ok(await page.locator(selector).count() > 0, `${what ?? selector} should be on ${page.url()}`);
const lacks = (selector, what) => async (page) =>
  assert.equal(await page.locator(selector).count(), 0, `${what ?? selector} should not be on ${page.url()}`);
const hasText = (text) => async (page) =>
  assert.ok((await page.locator('main').innerText()).includes(text), `"${text}" should be on ${page.url()}`);

/**
 * The roles: the menu entries they must and must not have, checks on every
 * page, and checks on the named pages of PAGES.
 */
const ROLES = [
  {
    login: 'officer1',
    menuHas: ['工作台', '案件', '上传证据', '调阅', '执法公示', '留痕账本'],
    menuLacks: ['系统管理', '监督', '档案保管'],
    everywhere: [lacks(ISSUE_CONTROL, 'a 签发 control')],
    on: {
      workbench: [has(OPEN_CASE_LINK, 'the 立案 link'), hasText('立案')],
      cases: [has(OPEN_CASE_LINK, 'the 立案 link'), has('table a[href^="/cases/"]', 'a case row')],
      'case-new': [has('form.api-form[data-action="/api/v1/cases"]', 'the new-case form')],
      case: [lacks(MOVE_FORM, 'the stage-move form'), lacks(ASSIGN_FORM, 'the assign form')],
      'case-archived': [lacks(CHANGE_FORM, 'a form that changes the archived case')],
      document: [has(EDIT_DOCUMENT_FORM, 'the draft\'s form'), lacks(ISSUE_FORM, 'the issue form')],
      review: [lacks(ISSUE_FORM, 'the decision\'s issue form')],
      upload: [has('#upload-form', 'the upload form')],
      access: [has(ASK_ACCESS_FORM, 'the form asking for 调阅')],
      ledger: [lacks(LEDGER_LOOKUP, 'the entry look-up')],
      disclosure: [has('form[data-action$="/redaction"]', 'the 隐名处理 form'), lacks('form[data-action$="/publication"], form[data-action$="/confirmation"], form[data-action$="/withdrawal"]', 'a form to confirm, publish or withdraw')],
    },
  },
  {
    login: 'leader1',
    menuHas: ['工作台', '案件', '调阅', '监督', '执法公示', '档案保管', '留痕账本'],
    menuLacks: ['系统管理', '上传证据'],
    everywhere: [],
    on: {
      workbench: [hasText('待签发文书'), hasText('待我审批的调阅'), hasText('告警'), hasText('待公示决定'), has('#wb-disclosures ~ ul .badge.past, #wb-disclosures + ul .badge.past', 'an overdue 公示')],
      disclosure: [has('form[data-action$="/withdrawal"]', 'the 撤回 form'), has('form[data-action^="/api/v1/prior-items"]', 'the 事前公开 forms'), lacks('form[data-action$="/confirmation"]', 'the confirm form')],
      cases: [has(OPEN_CASE_LINK, 'the 立案 link')],
      case: [
        has(MOVE_FORM, 'the stage-move form'),
        has(`${MOVE_FORM} button:has-text("流转至")`, 'the 流转至 button'),
        has(ASSIGN_FORM, 'the assign form'),
        has(RECORD_FORM, 'the record-an-act form'),
      ],
      document: [has(ISSUE_FORM, 'the issue form'), has(`${ISSUE_FORM} button:has-text("签发")`, 'the 签发 button')],
      // A 行政复议 or 行政诉讼 comes after archiving too: the leader records it, and changes nothing else.
      'case-archived': [
        lacks(CHANGE_FORM.replace(':not([data-method="GET" i])', ':not([data-method="GET" i]):not([data-action*="/remedies"])'),
          'a form that changes the archived case other than 登记行政复议或行政诉讼'),
        has('form[data-action$="/remedies"]', 'the form recording a 行政复议 or 行政诉讼'),
      ],
    },
  },
  {
    login: 'reviewer1',
    menuHas: ['工作台', '案件', '调阅', '执法公示', '留痕账本'],
    menuLacks: ['系统管理', '上传证据', '监督', '档案保管'],
    everywhere: [lacks(ISSUE_CONTROL, 'a 签发 control')],
    on: {
      workbench: [hasText('待我审核'), lacks(OPEN_CASE_LINK, 'the 立案 link')],
      cases: [lacks(OPEN_CASE_LINK, 'the 立案 link')],
      case: [lacks(CHANGE_FORM, 'a form that changes the case'), has('a[href$="/review"]', 'the link to the review')],
      review: [lacks('form[data-action$="/decision"], form[data-action$="/decision/issue"]', 'a form that proposes or makes the decision')],
      disclosure: [has('form[data-action$="/confirmation"]', 'the confirm form'), lacks('form[data-action$="/publication"], form[data-action$="/withdrawal"]', 'a form to publish or withdraw')],
    },
  },
  {
    login: 'archivist1',
    menuHas: ['工作台', '案件', '调阅', '档案保管', '留痕账本'],
    menuLacks: ['系统管理', '上传证据', '监督', '执法公示'],
    everywhere: [lacks(ISSUE_CONTROL, 'a 签发 control'), lacks(OPEN_CASE_LINK, 'the 立案 link')],
    on: {
      workbench: [hasText('已归档案件')],
      // An archived case: the archivist packages it (封包归档) and changes nothing else.
      case: [
        lacks(CHANGE_FORM.replace(':not([data-method="GET" i])', ':not([data-method="GET" i]):not([data-action$="/archive"]):not([data-action^="/api/v1/holds"])'),
          'a form that changes the case other than 封包归档 and 保全冻结'),
        has('form[data-action$="/archive"], a[href$="/package"]', 'the 封包归档 form or the package download'),
      ],
    },
  },
  {
    login: 'supervisor1',
    menuHas: ['工作台', '案件', '调阅', '监督', '执法公示', '档案保管', '留痕账本'],
    menuLacks: ['系统管理', '上传证据'],
    everywhere: [lacks(ISSUE_CONTROL, 'a 签发 control')],
    on: {
      workbench: [lacks(OPEN_CASE_LINK, 'the 立案 link')],
      cases: [lacks(OPEN_CASE_LINK, 'the 立案 link'), has('table a[href^="/cases/"]', 'a case row')],
      case: [lacks(CHANGE_FORM, 'a form that changes the case')],
      'case-archived': [lacks(CHANGE_FORM, 'a form that changes the case')],
      review: [lacks(CHANGE_FORM, 'a form that changes the case')],
      supervision: [has('#feed-filters', 'the feed\'s filters')],
      audit: [has('form[action="/audit"]', 'the audit report form')],
      ledger: [has(LEDGER_LOOKUP, 'the entry look-up')],
      disclosure: [lacks(CHANGE_FORM, 'a form that changes a disclosure')],
    },
  },
  {
    login: 'station1',
    menuHas: ['工作台', '上传证据', '留痕账本'],
    menuLacks: ['案件', '调阅', '监督', '系统管理'],
    everywhere: [lacks(ISSUE_CONTROL, 'a 签发 control'), lacks('a[href^="/cases"]', 'a link to cases')],
    on: { workbench: [hasText('采集站')], upload: [has('#upload-form', 'the upload form')] },
  },
  {
    login: 'admin',
    menuHas: ['工作台', '留痕账本', '系统管理'],
    menuLacks: ['案件', '上传证据', '调阅', '监督'],
    // (Its 签发 is of API tokens, on /admin.)
    everywhere: [lacks('a[href^="/cases"]', 'a link to cases')],
    on: {
      workbench: [has('a[href="/admin"]', 'the link to 系统管理')],
      audit: [has('form[action="/audit"]', 'the audit report form')],
      admin: [
        has('form.api-form[data-action="/api/v1/users"]', 'the new-user form'),
        has('form.api-form[data-action="/api/v1/units"]', 'the new-unit form'),
        has('form.api-form[data-action="/api/v1/tokens"]', 'the new-token form'),
      ],
      ledger: [has(LEDGER_LOOKUP, 'the entry look-up')],
    },
  },
];

let server;
let browser;
let fixtures;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  fixtures = await caseFixtures(server);
});

test('ROLES has a login of every role the demo has', () => {
  assert.deepEqual(ROLES.map((r) => r.login), ALL);
  const roleOf = (login) => server.logins.find((l) => l.login === login)?.role;
  const covered = new Set(ROLES.map((r) => roleOf(r.login)));
  const demo = new Set(server.logins.map((l) => l.role));
  assert.deepEqual([...demo].filter((r) => !covered.has(r)), []);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Nothing sticks out sideways: the page needs no horizontal scrolling. */
async function noSidewaysScroll(page) {
  const { scroll, inner } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  assert.ok(scroll <= inner, `${page.url()} is ${scroll}px wide in a ${inner}px window`);
}

for (const role of ROLES) {
  describe(role.login, () => {
    for (const viewport of VIEWPORTS) {
      test(`pages at ${viewport.width}px`, async (t) => {
        await withPage(browser, server, { viewport }, async (page, ctx) => {
          await login(page, role.login);
          assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');

          const items = await menu(page);
          for (const m of role.menuHas) assert.ok(items.includes(m), `menu of ${role.login} should have ${m}: ${items}`);
          for (const m of role.menuLacks) assert.ok(!items.includes(m), `menu of ${role.login} should not have ${m}: ${items}`);

          // The 404 page, as this role gets it for a case that does not exist.
          const unknown = `/cases/${randomUUID()}`;
          ctx.guard.expect(unknown, 404);
          assert.equal((await page.goto(unknown)).status(), 404);
          const notFound = await notFoundShape(page);

          // Every page is looked at even when one is wrong: what is wrong
          // is gathered and reported together at the end.
          const wrong = [];
          const soft = async (fn) => {
            try {
              await fn();
            } catch (e) {
              wrong.push(e.message.split('\n')[0]);
            }
          };
          const visited = new Set();
          for (const row of PAGES) {
            const path = pathOf(row, fixtures, role.login);
            if (!path) continue;
            visited.add(new URL(path, server.base).pathname);
            const allowed = row.roles.includes(role.login);
            if (!allowed) ctx.guard.expect(path, 404);
            const resp = await page.goto(path);
            if (allowed) {
              if (resp.status() !== 200) {
                ctx.guard.expect(path, resp.status());
                wrong.push(`${role.login} should get ${path}, not HTTP ${resp.status()}`);
                continue;
              }
            } else {
              await soft(async () => {
                assert.equal(resp.status(), 404, `${role.login} should get the 404 page at ${path}, not HTTP ${resp.status()}`);
                assert.deepEqual(await notFoundShape(page), notFound, `${path} should answer the same 404 page`);
              });
            }
            await soft(() => noSidewaysScroll(page));
            for (const check of role.everywhere) await soft(() => check(page));
            if (allowed) {
              for (const check of role.on[row.name] ?? []) await soft(() => check(page));
              await shot(page, `${role.login}-${row.name}`);
            }
          }
          assert.deepEqual(wrong, [], `what ${role.login} sees is wrong:\n  ${wrong.join('\n  ')}`);

          // Menu entries whose page has no row in PAGES yet: a todo (it
          // does not fail the run) that passes once they all answer — then
          // give each its row above.
          const untested = (await page.locator('header.top nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))))
            .filter((href) => !visited.has(href));
          if (untested.length > 0 && viewport === VIEWPORTS[0]) {
            await t.test(`menu entries without a row in PAGES: ${untested.join(' ')}`, { todo: 'pages being written' }, async () => {
              const missing = [];
              for (const href of untested) {
                ctx.guard.expect(href, 404);
                if ((await page.goto(href)).status() === 404) missing.push(href);
              }
              assert.deepEqual(missing, [], `the menu of ${role.login} links to pages that answer 404`);
            });
          }
        });
      });
    }
  });
}

describe('not found', () => {
  for (const viewport of VIEWPORTS) test(`an unknown case id, a malformed one and a case out of scope answer the same 404 page (${viewport.width}px)`, async () => {
    await withPage(browser, server, { viewport }, async (page, ctx) => {
      await login(page, 'officer1');
      const paths = [`/cases/${randomUUID()}`, '/cases/not-a-case-id', `/cases/${fixtures.outOfScope}`];
      const shapes = [];
      for (const p of paths) {
        ctx.guard.expect(p, 404);
        const resp = await page.goto(p);
        assert.equal(resp.status(), 404, `${p} should answer 404`);
        shapes.push(await notFoundShape(page));
      }
      assert.deepEqual(shapes[2], shapes[0], 'a case out of scope must look exactly like one that does not exist');
      assert.deepEqual(shapes[1], shapes[0]);
      assert.match(shapes[0].heading, /未找到/);
      // The out-of-scope case's number or cause must not show through anywhere.
      const other = await server.apiGet('leader1', `/api/v1/cases/${fixtures.outOfScope}`);
      assert.ok(other.number && other.cause);
      const body = await page.content();
      assert.ok(!body.includes(other.number) && !body.includes(other.cause), 'the 404 page tells of the hidden case');
      await shot(page, 'officer1-404');
    });
  });
});

describe('sign-in page', () => {
  for (const viewport of VIEWPORTS) {
    test(`without a session / shows the form and the demo logins (${viewport.width}px)`, async () => {
      await withPage(browser, server, { viewport }, async (page) => {
        const resp = await page.goto('/');
        assert.equal(resp.status(), 200);
        await page.locator('#login').waitFor();
        assert.equal(await page.locator('#password').getAttribute('type'), 'password');
        const listed = await page.locator('.demo-logins tbody tr td:first-child').allTextContents();
        for (const l of server.logins) assert.ok(listed.includes(l.login), `the demo list should name ${l.login}`);
        assert.equal(await menu(page).then((m) => m.length), 0, 'no menu before signing in');
        await noSidewaysScroll(page);
        await shot(page, 'signin');
        // 填入 fills the form.
        await page.locator('.fill-login[data-login="reviewer1"]').click();
        assert.equal(await page.locator('#login').inputValue(), 'reviewer1');
        assert.equal(await page.locator('#password').inputValue(), server.password('reviewer1'));
      });
    });
  }

  test('a page asked for without a session leads to the sign-in page, and back to it after', async () => {
    await withPage(browser, server, {}, async (page) => {
      await page.goto('/cases?stage=decision');
      assert.equal(new URL(page.url()).pathname, '/');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/cases?stage=decision');
      await page.locator('#login').fill('supervisor1');
      await page.locator('#password').fill(server.password('supervisor1'));
      await Promise.all([page.waitForURL('**/cases?stage=decision'), page.locator('form.api-form button[type="submit"]').click()]);
    });
  });

  for (const viewport of VIEWPORTS) {
    test(`a wrong password is explained in Chinese and the login is kept (${viewport.width}px)`, async () => {
      await withPage(browser, server, { viewport }, async (page, ctx) => {
        ctx.guard.expect('/api/v1/auth/login', 401);
        await page.goto('/');
        await page.locator('#login').fill('officer2');
        await page.locator('#password').fill('not-the-password');
        await page.locator('form.api-form button[type="submit"]').click();
        const error = page.locator('form.api-form .form-error');
        await error.waitFor({ state: 'visible' });
        const text = await error.innerText();
        assert.match(text, /[\u4e00-\u9fff]/, `the error should be Chinese: ${text}`);
        assert.match(text, /账号或密码不正确/);
        assert.equal(await page.locator('#login').inputValue(), 'officer2', 'the typed login is kept');
        assert.equal(new URL(page.url()).pathname, '/');
        await shot(page, 'signin-wrong-password');
      });
    });
  }
});

describe('language', () => {
  for (const viewport of VIEWPORTS) test(`English link shows English text, 中文 brings Chinese back, on the same page (${viewport.width}px)`, async () => {
    await withPage(browser, server, { viewport }, async (page) => {
      await login(page, 'officer1');
      await page.goto('/cases');
      assert.equal(await page.locator('main h1').innerText(), '案件');
      await Promise.all([page.waitForURL('**/cases'), page.locator('header.top a[hreflang="en"]').click()]);
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      assert.equal(await page.locator('main h1').innerText(), 'Cases');
      assert.deepEqual((await menu(page)).slice(0, 2), ['Workbench', 'Cases']);
      assert.ok(await page.locator('a[href="/cases/new"]', { hasText: 'Open a case' }).count() > 0);
      await shot(page, 'officer1-cases-en');
      await page.goto('/workbench');
      assert.equal(await page.locator('main h1').innerText(), 'Workbench', 'the choice is kept across pages');
      await shot(page, 'officer1-workbench-en');
      await page.goto(`/cases/${fixtures.caseFor.officer1}`);
      await shot(page, 'officer1-case-en');
      await Promise.all([page.waitForURL(/\/cases\/[^/]+$/), page.locator('header.top a[hreflang="zh-CN"]').click()]);
      assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
      assert.equal(new URL(page.url()).pathname, `/cases/${fixtures.caseFor.officer1}`);
      await page.goto('/cases');
      assert.equal(await page.locator('main h1').innerText(), '案件');
    });
  });

  for (const viewport of VIEWPORTS) test(`the sign-in page switches too (${viewport.width}px)`, async () => {
    await withPage(browser, server, { viewport }, async (page) => {
      await page.goto('/');
      await Promise.all([page.waitForURL((u) => u.pathname === '/'), page.locator('a[hreflang="en"]').click()]);
      await page.locator('h1', { hasText: 'Sign in to liuhen' }).waitFor();
      await shot(page, 'signin-en');
      await page.locator('a[hreflang="zh-CN"]').click();
      await page.locator('h1', { hasText: '登录留痕' }).waitFor();
    });
  });
});
