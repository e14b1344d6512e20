// The browser side of the UI tests: Debian's chromium driven by
// playwright-core (never a downloaded browser), one context per role and
// viewport, signing in through the sign-in form, full-page screenshots, and
// a guard that fails the test on anything a user's browser would complain
// about: a console error, an uncaught exception, a same-origin request that
// failed or answered 4xx/5xx unexpectedly, a Content-Security-Policy
// violation.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { ROOT } from './server.mjs';

export const CHROMIUM = process.env.LIUHEN_TEST_UI_CHROMIUM || '/usr/bin/chromium';

/** The flags of ../../../shared/DEPS-NOTES.md (`--headless` comes with `headless: true`). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Every page is looked at, and photographed, at both sizes. */
export const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 768, height: 1024 },
];

export const SCREENSHOTS = join(ROOT, 'target', 'ui-screenshots');

/**
 * Chromium, headless. playwright's `launch` gives every browser a fresh
 * temporary --user-data-dir of its own (removed on close): nothing is shared
 * between runs or test files.
 */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    timeout: 60_000,
  });
}

// Reports every CSP violation to the console, where the guard sees it
// (chromium also logs its own "Refused to … Content Security Policy" line;
// this catches the ones it may not, such as blocked inline handlers).
const CSP_REPORTER = () => {
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
  });
};

/** What went wrong on a context's pages; `assertClean()` fails the test with all of it. */
export class Guard {
  constructor(origin) {
    this.origin = origin;
    this.problems = [];
    this.expected = [];
  }

  /**
   * A same-origin answer with this status is expected at `pattern`: a path
   * (with its query, matched exactly) or a RegExp tried on the whole URL.
   */
  expect(pattern, status) {
    this.expected.push({ pattern, status });
  }

  isExpected(url, status) {
    const u = new URL(url);
    return this.expected.some(
      (e) => (status === undefined || e.status === undefined || e.status === status) &&
        (e.pattern instanceof RegExp ? e.pattern.test(url) : u.pathname + u.search === e.pattern),
    );
  }

  sameOrigin(url) {
    try {
      return new URL(url).origin === this.origin;
    } catch {
      return false;
    }
  }

  watch(page) {
    const where = () => page.url();
    page.on('pageerror', (e) => this.problems.push(`uncaught exception on ${where()}: ${e.message}`));
    page.on('console', (m) => {
      const text = m.text();
      const csp = /Content Security Policy/i.test(text);
      if (m.type() !== 'error' && !csp) return;
      const url = m.location()?.url || '';
      // Chromium's own line for a 4xx/5xx answer: judged by the response handler below.
      if (!csp && /^Failed to load resource: the server responded with a status of/.test(text) && this.sameOrigin(url)) return;
      // A request the test cut on purpose (expect()) logs its failure too.
      if (!csp && /^Failed to load resource/.test(text) && url && this.isExpected(url)) return;
      this.problems.push(`console ${m.type()} on ${where()}: ${text}${url ? ` (${url})` : ''}`);
    });
    page.on('requestfailed', (r) => {
      if (!this.sameOrigin(r.url())) return;
      const why = r.failure()?.errorText || 'failed';
      // Cancelled, not answered: by the next navigation (a live feed, a
      // favicon still loading when the test moves on) or by the page itself.
      if (why === 'net::ERR_ABORTED') return;
      if (this.isExpected(r.url())) return;
      this.problems.push(`request failed (from ${where()}): ${r.method()} ${r.url()} — ${why}`);
    });
    page.on('response', (r) => {
      if (r.status() < 400 || !this.sameOrigin(r.url())) return;
      if (this.isExpected(r.url(), r.status())) return;
      this.problems.push(`HTTP ${r.status()} (from ${where()}): ${r.request().method()} ${r.url()}`);
    });
  }

  assertClean() {
    const p = this.problems.splice(0);
    assert.deepEqual(p, [], `the browser saw problems:\n  ${p.join('\n  ')}`);
  }
}

/**
 * A fresh context (cookies, storage) on `server` with a viewport, every page
 * in it watched by `context.guard`.
 */
export async function newContext(browser, server, { viewport = VIEWPORTS[0], locale = 'zh-CN' } = {}) {
  const context = await browser.newContext({ baseURL: server.base, viewport, locale, timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(15_000);
  await context.addInitScript(CSP_REPORTER);
  const guard = new Guard(new URL(server.base).origin);
  context.on('page', (p) => guard.watch(p));
  context.guard = guard;
  context.server = server;
  return context;
}

/**
 * Runs `fn(page, context)` in a fresh context and fails the test on any
 * problem the guard saw, then closes the context.
 */
export async function withPage(browser, server, opts, fn) {
  const context = await newContext(browser, server, opts);
  try {
    const page = await context.newPage();
    await fn(page, context);
    context.guard.assertClean();
  } finally {
    await context.close();
  }
}

/** Signs in through the sign-in form, as a person would, and waits for the workbench. */
export async function login(page, who, password) {
  const pw = password ?? page.context().server.password(who);
  await page.goto('/');
  await page.locator('#login').fill(who);
  await page.locator('#password').fill(pw);
  await Promise.all([
    page.waitForURL('**/workbench'),
    page.locator('form.api-form button[type="submit"]').click(),
  ]);
}

/** A full-page PNG: target/ui-screenshots/<name>-<width>.png. */
export async function shot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.evaluate(() => document.fonts.ready);
  const { width } = page.viewportSize();
  const path = join(SCREENSHOTS, `${name.replace(/[^\w.-]+/g, '_')}-${width}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  return path;
}

/** The texts of the main menu's links. */
export async function menu(page) {
  return page.locator('header.top nav a').allTextContents().then((t) => t.map((s) => s.trim()));
}

/** The 404 page's title and heading, to compare two answers. */
export async function notFoundShape(page) {
  return {
    title: await page.title(),
    heading: (await page.locator('main h1').first().textContent())?.trim(),
    message: (await page.locator('main [role="alert"]').first().textContent())?.trim(),
  };
}
