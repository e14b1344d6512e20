// The browser-facing defences of every page: its security headers, its
// forms (each carries the session's CSRF token, or is sent by app.js with
// it), no inline script or style the policy would have to allow, the API's
// refusal of a cookie-authenticated change without the right token — and the
// guard of lib/browser.mjs, shown to catch what it is there to catch.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { Guard, VIEWPORTS, launchBrowser, login, newContext, withPage } from './lib/browser.mjs';
import { ALL, PAGES, caseFixtures, pathOf } from './lib/pages.mjs';
import { startServer } from './lib/server.mjs';

let server;
let browser;
let fixtures;
/** The `Cookie` header of a session for each login. */
const cookies = {};

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  fixtures = await caseFixtures(server);
  for (const who of ALL) cookies[who] = (await server.signIn(who)).cookie;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** GET as a browser would (HTML wanted), not following redirects. */
async function get(path, who) {
  const headers = { accept: 'text/html,application/xhtml+xml' };
  if (who) headers.cookie = cookies[who];
  return fetch(`${server.base}${path}`, { headers, redirect: 'manual' });
}

function directives(csp) {
  return new Map(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...values] = d.split(/\s+/);
    return [name.toLowerCase(), values];
  }));
}

function assertPageHeaders(resp, what) {
  const h = resp.headers;
  const csp = h.get('content-security-policy');
  assert.ok(csp, `${what}: no content-security-policy`);
  assert.doesNotMatch(csp, /unsafe-inline/, `${what}: the policy allows inline code: ${csp}`);
  assert.doesNotMatch(csp, /unsafe-eval/, `${what}: the policy allows eval: ${csp}`);
  const d = directives(csp);
  assert.deepEqual(d.get('frame-ancestors'), ["'none'"], `${what}: frame-ancestors should be 'none': ${csp}`);
  assert.ok(d.has('default-src'), `${what}: no default-src: ${csp}`);
  for (const src of ['default-src', 'script-src', 'style-src']) {
    for (const v of d.get(src) ?? []) {
      assert.ok(!v.includes('*') && !['http:', 'https:', 'data:', 'blob:'].includes(v), `${what}: ${src} allows ${v}`);
    }
  }
  assert.equal(h.get('referrer-policy'), 'same-origin', `${what}: referrer-policy`);
  assert.equal(h.get('x-content-type-options'), 'nosniff', `${what}: x-content-type-options`);
}

/** Every page of PAGES for every login, plus what anyone reaches without signing in. */
function everyPage() {
  const out = [
    { path: '/', who: null, status: 200 },
    { path: '/?next=%2Fcases', who: null, status: 200 },
    { path: '/workbench', who: null, status: 303 },
    { path: '/no-such-page', who: null, status: 404 },
    { path: '/lang/en?back=%2F', who: null, status: 303 },
  ];
  for (const who of ALL) {
    for (const row of PAGES) {
      const path = pathOf(row, fixtures, who);
      if (path) out.push({ path, who, status: row.roles.includes(who) ? 200 : 404 });
    }
    out.push({ path: `/cases/${randomUUID()}`, who, status: 404 });
    out.push({ path: '/no-such-page', who, status: 404 });
  }
  return out;
}

describe('headers', () => {
  test('every page has a strict CSP, frame-ancestors none, same-origin referrer, nosniff', async () => {
    const seen = [];
    for (const { path, who, status } of everyPage()) {
      const resp = await get(path, who);
      const what = `${path} as ${who ?? 'nobody'} (HTTP ${resp.status})`;
      assert.equal(resp.status, status, `${what}: expected ${status}`);
      assertPageHeaders(resp, what);
      if (resp.status === 200) {
        assert.match(resp.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/i, what);
        assert.equal(resp.headers.get('cache-control'), 'no-store', `${what}: a page holding records must not be cached`);
      }
      await resp.arrayBuffer();
      seen.push(what);
    }
    assert.ok(seen.length > PAGES.length, 'pages were checked');
  });

  test('static files are served with their type and nosniff', async () => {
    const html = await (await get('/', null)).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/static\/[^"]+)"/g)].map((m) => m[1].replaceAll('&amp;', '&'));
    assert.ok(assets.length >= 2, `the sign-in page should name its CSS and script: ${assets}`);
    for (const a of assets) {
      const resp = await fetch(`${server.base}${a}`);
      assert.equal(resp.status, 200, a);
      assert.equal(resp.headers.get('x-content-type-options'), 'nosniff', a);
      const type = { css: /^text\/css/, js: /^text\/javascript/, svg: /^image\/svg\+xml/ }[/\.(\w+)(\?|$)/.exec(a)?.[1]];
      assert.ok(type, `a static file of an unexpected kind: ${a}`);
      assert.match(resp.headers.get('content-type') ?? '', type, a);
      await resp.arrayBuffer();
    }
  });
});

describe('forms', () => {
  for (const who of ALL) {
    test(`every form ${who} gets carries the CSRF token or is sent by app.js with it, hides nothing from it; nothing inline`, async () => {
      await withPage(browser, server, { viewport: VIEWPORTS[0] }, async (page, ctx) => {
        await login(page, who);
        for (const row of PAGES) {
          const path = pathOf(row, fixtures, who);
          if (!path || !row.roles.includes(who)) continue;
          assert.equal((await page.goto(path)).status(), 200, path);
          const facts = await page.evaluate(() => ({
            csrf: document.body.dataset.csrf || '',
            forms: [...document.forms].map((f) => ({
              html: f.outerHTML.slice(0, 160),
              method: (f.getAttribute('method') || 'get').toLowerCase(),
              api: f.classList.contains('api-form'),
              apiMethod: (f.dataset.method || 'POST').toUpperCase(),
              apiAction: f.dataset.action || '',
              token: f.querySelector('input[type="hidden"][name="_csrf"]')?.value ?? null,
              // A control named like a property of the form hides it from
              // script (form.elements is then that input): app.js and
              // upload.js read these.
              shadowing: [...f.querySelectorAll('[name]')].map((el) => el.getAttribute('name'))
                .filter((n) => ['elements', 'dataset', 'classList', 'querySelector', 'querySelectorAll',
                  'action', 'method', 'submit', 'reset', 'length', 'id'].includes(n)),
            })),
            inlineScripts: document.querySelectorAll('script:not([src])').length,
            styleAttrs: document.querySelectorAll('[style]').length,
            handlers: [...document.querySelectorAll('*')].flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName}[${a.name}]`)),
            styleElements: document.querySelectorAll('style').length,
          }));
          const where = `${path} as ${who}`;
          assert.match(facts.csrf, /^[0-9a-f]{32}$/, `${where}: the page should carry the session's CSRF token`);
          for (const f of facts.forms) {
            if (f.api) {
              assert.match(f.apiAction, /^\/api\/v1\//, `${where}: an api-form goes to the API: ${f.html}`);
            } else if (f.method !== 'get') {
              assert.equal(f.token, facts.csrf, `${where}: a ${f.method} form without the session's _csrf token: ${f.html}`);
            }
            assert.deepEqual(f.shadowing, [], `${where}: a control hides the form's own property from app.js: ${f.html}`);
            // A GET form only reads (filters, 起草 a draft's form): no token, which would leak into URLs.
            if (!f.api && f.method === 'get') assert.equal(f.token, null, `${where}: a GET form carries the token into the URL: ${f.html}`);
          }
          assert.equal(facts.inlineScripts, 0, `${where}: inline <script>`);
          assert.equal(facts.styleElements, 0, `${where}: <style> element`);
          assert.equal(facts.styleAttrs, 0, `${where}: style="" attributes`);
          assert.deepEqual(facts.handlers, [], `${where}: inline event handlers`);
        }
        ctx.guard.assertClean();
      });
    });
  }

  test('the sign-in form is sent by app.js (no token before a session exists)', async () => {
    const html = await (await get('/', null)).text();
    assert.match(html, /<form class="api-form"[^>]*data-action="\/api\/v1\/auth\/login"/);
    assert.doesNotMatch(html, /<form(?![^>]*api-form)[^>]*method="post"/i, 'a POST form on the sign-in page');
  });

  test('signing out with a wrong _csrf token is refused and the session lives on', async () => {
    const { cookie } = await server.signIn('officer1');
    const resp = await fetch(`${server.base}/logout`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: '_csrf=00000000000000000000000000000000',
      redirect: 'manual',
    });
    assert.equal(resp.status, 403);
    assertPageHeaders(resp, 'POST /logout refused');
    await resp.arrayBuffer();
    const still = await fetch(`${server.base}/workbench`, { headers: { cookie }, redirect: 'manual' });
    assert.equal(still.status, 200, 'the session should still be valid');
    await still.arrayBuffer();
  });
});

describe('the API and the CSRF token', () => {
  const newCase = { cause: 'CSRF 测试' };

  async function post(headers) {
    const resp = await fetch(`${server.base}/api/v1/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(newCase),
    });
    return { status: resp.status, body: await resp.json().catch(() => null) };
  }

  test('POST /api/v1/cases with the session cookie and a wrong x-liuhen-csrf answers 403', async () => {
    const { cookie, token } = await server.signIn('officer1');
    const before = (await server.apiGet('leader1', '/api/v1/cases?limit=1')).total;
    for (const csrf of ['wrong', '1', '0'.repeat(32), undefined]) {
      const r = await post(csrf === undefined ? { cookie } : { cookie, 'x-liuhen-csrf': csrf });
      assert.equal(r.status, 403, `x-liuhen-csrf: ${csrf ?? '(none)'} should be refused`);
      assert.equal(r.body?.code, 'forbidden');
    }
    // Another session's token does not do either.
    const other = await server.signIn('officer1');
    const page = await (await fetch(`${server.base}/workbench`, { headers: { cookie: other.cookie } })).text();
    const othersToken = /data-csrf="([0-9a-f]+)"/.exec(page)?.[1];
    assert.ok(othersToken);
    assert.equal((await post({ cookie, 'x-liuhen-csrf': othersToken })).status, 403, 'another session\'s token');
    // The right one passes the check (the body is then refused as incomplete: nothing is made).
    const mine = /data-csrf="([0-9a-f]+)"/.exec(await (await fetch(`${server.base}/workbench`, { headers: { cookie } })).text())?.[1];
    const ok = await post({ cookie, 'x-liuhen-csrf': mine });
    assert.notEqual(ok.status, 403, 'the page\'s own token should pass');
    assert.equal(ok.status, 400, `an incomplete case is invalid: ${JSON.stringify(ok.body)}`);
    // A bearer token needs no CSRF header (no browser sends it by itself).
    assert.equal((await post({ authorization: `Bearer ${token}` })).status, 400);
    assert.equal((await server.apiGet('leader1', '/api/v1/cases?limit=1')).total, before, 'no case was made');
  });
});

describe('the guard', () => {
  // The harness is only worth its passes if it fails: a page with an inline
  // script, an inline style, a thrown error and a missing file, on the
  // server's origin and under its policy, must give four problems.
  test('catches CSP violations, console errors, uncaught exceptions and failed requests', async () => {
    const context = await newContext(browser, server);
    try {
      const page = await context.newPage();
      const resp = await fetch(`${server.base}/`);
      const csp = resp.headers.get('content-security-policy');
      await resp.arrayBuffer();
      await page.route(`${server.base}/guard-probe`, (route) => route.fulfill({
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp },
        body: '<!DOCTYPE html><html><body><p style="color:red">x</p><script>console.log(1)</script>' +
          '<img src="/static/no-such.png"><script src="/guard-probe.js"></script></body></html>',
      }));
      await page.route(`${server.base}/guard-probe.js`, (route) => route.fulfill({
        status: 200,
        headers: { 'content-type': 'text/javascript' },
        body: 'console.error("probe error"); setTimeout(() => { throw new Error("probe exception"); }, 0);',
      }));
      await page.goto('/guard-probe');
      await page.waitForTimeout(300);
      const problems = context.guard.problems.join('\n');
      assert.match(problems, /Content Security Policy/, 'the CSP violations');
      assert.match(problems, /probe error/, 'the console error');
      assert.match(problems, /probe exception/, 'the uncaught exception');
      assert.match(problems, /HTTP 404 .*no-such\.png/, 'the failed request');
      assert.throws(() => context.guard.assertClean());
      assert.deepEqual(context.guard.problems, [], 'assertClean empties the list');
    } finally {
      await context.close();
    }
  });

  test('an expected answer is not a problem', () => {
    const g = new Guard('http://127.0.0.1:1');
    g.expect('/cases/x', 404);
    assert.ok(g.isExpected('http://127.0.0.1:1/cases/x', 404));
    assert.ok(!g.isExpected('http://127.0.0.1:1/cases/x', 500));
    assert.ok(!g.isExpected('http://127.0.0.1:1/cases/xy', 404));
  });
});
