// Shared pieces for Hoshi's browser tests: the server's address, one headless
// Chromium per test file, a fresh context (fresh profile: no cookies, no
// storage) per test, and a screenshot in e2e/test-results/ when a test fails.

import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BASE_URL = (() => {
  const url = process.env.HOSHI_URL;
  if (!url) {
    throw new Error('HOSHI_URL is not set: run the tests with e2e/run.sh, or start `hoshi demo` and set HOSHI_URL');
  }
  return url.replace(/\/+$/, '');
})();

export const PASSWORD = 'hoshi-demo-2026';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const RESULTS_DIR = fileURLToPath(new URL('../test-results/', import.meta.url));

/** The demo logins, each with the dashboard sections its organisation's roles give. */
export const DEMO_USERS = [
  {
    key: 'buyer',
    email: 'buyer@tokai-motor.example',
    orgJa: '東海自動車株式会社',
    orgEn: 'Tokai Motor Corporation',
    sections: ['role-buyer'],
  },
  {
    key: 'supplier-and-buyer',
    email: 'owner@mikawa-seiki.example',
    orgJa: '三河精機株式会社',
    orgEn: 'Mikawa Precision Co., Ltd.',
    sections: ['role-supplier', 'role-buyer'],
  },
  {
    key: 'supplier',
    email: 'owner@okazaki-jushi.example',
    orgJa: '岡崎樹脂工業株式会社',
    orgEn: 'Okazaki Resin Industries Co., Ltd.',
    sections: ['role-supplier'],
  },
  {
    key: 'expert',
    email: 'expert@suzuki-sec.example',
    orgJa: '鈴木情報セキュリティ事務所',
    orgEn: 'Suzuki Information Security Office',
    sections: ['role-expert'],
  },
  {
    key: 'assessment-body',
    email: 'assessor@chubu-cyber.example',
    orgJa: '中部サイバー評価センター株式会社',
    orgEn: 'Chubu Cyber Assessment Center Inc.',
    sections: ['role-assessment-body'],
  },
  {
    key: 'registry',
    email: 'registry@ipa-demo.example',
    orgJa: '情報処理推進機構（デモ）',
    orgEn: 'IPA (demo)',
    sections: ['role-registry'],
  },
  {
    key: 'regulator',
    email: 'regulator@jftc-demo.example',
    orgJa: '公正取引委員会（デモ）',
    orgEn: 'Japan Fair Trade Commission (demo)',
    sections: ['role-regulator'],
  },
];

export const ALL_ROLE_SECTIONS = [
  'role-supplier',
  'role-buyer',
  'role-expert',
  'role-assessment-body',
  'role-registry',
  'role-regulator',
];

/** Starts headless Chromium; the flags keep it off the (closed) network. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

function fileName(name) {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 120) || 'test';
}

/**
 * Runs `body(page, ctx)` in a fresh browser context. The page's script errors
 * and the server's 5xx answers fail the test. On any failure a full-page
 * screenshot goes to e2e/test-results/<test name>.png before the error is
 * rethrown.
 */
export async function inFreshContext(browser, t, options, body) {
  const context = await browser.newContext({
    baseURL: BASE_URL,
    locale: 'ja-JP',
    extraHTTPHeaders: { 'Accept-Language': 'ja-JP,ja;q=0.9' },
    ...options,
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`script error: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 500) problems.push(`server error ${res.status()} for ${res.request().method()} ${res.url()}`);
  });
  try {
    await body(page, context);
    if (problems.length) throw new Error(`problems seen on the page:\n  ${problems.join('\n  ')}`);
  } catch (err) {
    try {
      mkdirSync(RESULTS_DIR, { recursive: true });
      const shot = path.join(RESULTS_DIR, `${fileName(t.name)}.png`);
      await page.screenshot({ path: shot, fullPage: true, timeout: 5_000 });
      t.diagnostic(`screenshot: ${shot} (page ${page.url()})`);
    } catch (shotErr) {
      t.diagnostic(`could not take a screenshot: ${shotErr.message}`);
    }
    throw err;
  } finally {
    await context.close();
  }
}

/** Signs in through the form on /login and waits for the dashboard. */
export async function signIn(page, email, password = PASSWORD) {
  await page.goto('/login');
  await page.locator('#email').fill(email);
  await page.locator('#password').fill(password);
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/dashboard'),
    page.locator('form[action="/login"] button[type=submit]').click(),
  ]);
}

export async function htmlLang(page) {
  return page.locator('html').getAttribute('lang');
}

export async function text(page, selector) {
  return ((await page.locator(selector).textContent()) ?? '').trim();
}

export async function testIds(page, prefix) {
  return page.$$eval(`[data-testid^="${prefix}"]`, (els) => els.map((e) => e.getAttribute('data-testid')));
}

/** Clicks a link or button that loads a new document, and waits for it to load. */
export async function clickAndLoad(page, locator) {
  await Promise.all([page.waitForEvent('load'), locator.click()]);
}

/**
 * Clicks a form's submit button and waits for the page that comes back.
 * Returns the server's answer to the POST itself: a 303 when it redirects,
 * or the page it rendered (e.g. a 422 listing the form's errors). `submit` is
 * the button (clicked) or a function that submits (e.g. by keyboard).
 */
export async function submitForm(page, submit) {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.request().isNavigationRequest()),
    page.waitForEvent('load'),
    typeof submit === 'function' ? submit() : submit.click(),
  ]);
  return res;
}

/** Signs out with the button in the header and waits for the sign-in page. */
export async function signOut(page) {
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/login'),
    page.locator('[data-testid=signout]').click(),
  ]);
}

/**
 * A flow of steps that share the server's state and run in order, each in a fresh context of
 * one browser (opened before the file's tests, closed after): once a step fails, the rest are
 * skipped, naming it in `flow.failed`. `withPage` runs one test outside the flow.
 */
export function flowSteps(flow) {
  let browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });
  const withPage = (t, body) => inFreshContext(browser, t, {}, body);
  function step(name, body) {
    test(name, async (t) => {
      if (flow.failed) {
        t.skip(`an earlier step failed: ${flow.failed}`);
        return;
      }
      try {
        await withPage(t, (page) => body(page, t));
      } catch (err) {
        flow.failed = name;
        throw err;
      }
    });
  }
  return { step, withPage };
}
