// Hoshi in a real browser: every demo role signs in, sees its dashboard in
// Japanese, switches to English (remembered across a reload and sign-out),
// and signs out; plus a wrong password, the public catalogue, keyboard-only
// sign-in and the registry's organisation count.
//
// Run with e2e/run.sh (it starts `hoshi demo` and sets HOSHI_URL).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALL_ROLE_SECTIONS,
  DEMO_USERS,
  PASSWORD,
  htmlLang,
  inFreshContext,
  launchBrowser,
  signIn,
  testIds,
  text,
} from './helpers.mjs';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Clicks a link or button that loads a new document, and waits for it. */
async function clickAndLoad(page, locator) {
  await Promise.all([page.waitForEvent('load'), locator.click()]);
}

describe('each demo role', () => {
  for (const user of DEMO_USERS) {
    test(`role ${user.key}: sign in (ja), dashboard, English remembered, sign out`, async (t) => {
      await inFreshContext(browser, t, {}, async (page) => {
        // Japanese by default (the context's Accept-Language is ja).
        await signIn(page, user.email);
        assert.equal(await htmlLang(page), 'ja', '<html lang> on the dashboard');
        assert.equal(await text(page, '[data-testid=dashboard-title]'), 'ダッシュボード');
        assert.equal(await text(page, '[data-testid=org-name]'), user.orgJa);
        assert.equal(await text(page, '[data-testid=lang-switch]'), 'English');
        assert.equal(await page.locator('[data-testid=signout]').count(), 1, 'a sign-out button');
        const sections = (await testIds(page, 'role-')).filter((id) => ALL_ROLE_SECTIONS.includes(id));
        assert.deepEqual(sections.sort(), [...user.sections].sort(), 'the role sections on the dashboard');
        for (const id of user.sections) {
          assert.ok(await page.locator(`[data-testid=${id}]`).isVisible(), `${id} is visible`);
        }

        // Switch to English: back on the dashboard, in English.
        await clickAndLoad(page, page.locator('[data-testid=lang-switch]'));
        assert.equal(new URL(page.url()).pathname, '/dashboard', 'the switch comes back to the same page');
        assert.equal(await htmlLang(page), 'en', '<html lang> after switching');
        assert.equal(await text(page, '[data-testid=dashboard-title]'), 'Dashboard');
        assert.equal(await text(page, '[data-testid=org-name]'), user.orgEn);
        assert.equal(await text(page, '[data-testid=lang-switch]'), '日本語');

        // The choice is remembered: a reload and another page stay English.
        await page.reload();
        assert.equal(await htmlLang(page), 'en', '<html lang> after a reload');
        assert.equal(await text(page, '[data-testid=dashboard-title]'), 'Dashboard');
        await page.goto('/org');
        assert.equal(await htmlLang(page), 'en', '<html lang> on /org');

        // Sign out: the sign-in page, signed out, still in English.
        await page.goto('/dashboard');
        await Promise.all([
          page.waitForURL((url) => url.pathname === '/login'),
          page.locator('[data-testid=signout]').click(),
        ]);
        assert.equal(await page.locator('#email').count(), 1, 'the sign-in form is shown');
        assert.equal(await page.locator('[data-testid=signout]').count(), 0, 'no sign-out button once signed out');
        assert.equal(await htmlLang(page), 'en', 'the language survives signing out');

        // The dashboard is closed again.
        const res = await page.goto('/dashboard');
        assert.equal(res.status(), 401, 'the dashboard after signing out');
        assert.equal(await page.locator('[data-testid=dashboard-title]').count(), 0);
        assert.equal(await page.locator('#email').count(), 1, 'the sign-in form is offered');
      });
    });
  }
});

test('a wrong password shows the error and stays signed out', async (t) => {
  await inFreshContext(browser, t, {}, async (page) => {
    await page.goto('/login');
    await page.locator('#email').fill('buyer@tokai-motor.example');
    await page.locator('#password').fill(`${PASSWORD}-wrong`);
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'),
      page.locator('form[action="/login"] button[type=submit]').click(),
    ]);
    await page.waitForLoadState('load');
    assert.equal(res.status(), 401, 'status of the failed sign-in');
    const error = page.locator('[data-testid=login-error]');
    assert.ok(await error.isVisible(), 'the error is shown');
    assert.ok((await error.textContent()).trim().length > 0, 'the error says something');
    assert.equal(await error.getAttribute('role'), 'alert', 'the error is announced');
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.locator('[data-testid=signout]').count(), 0, 'no sign-out button');
    assert.equal(await page.locator('#email').inputValue(), 'buyer@tokai-motor.example', 'the email is kept');
    assert.equal(await page.locator('#password').inputValue(), '', 'the password is not echoed back');
    const cookies = await page.context().cookies();
    assert.ok(!cookies.some((c) => /session/i.test(c.name) && c.value), `no session cookie (${cookies.map((c) => c.name)})`);
    const dash = await page.goto('/dashboard');
    assert.equal(dash.status(), 401, '/dashboard stays closed');
    assert.equal(await page.locator('[data-testid=dashboard-title]').count(), 0);
  });
});

test('the catalogue shows criterion 4-1-3-2 without signing in', async (t) => {
  await inFreshContext(browser, t, {}, async (page) => {
    const res = await page.goto('/catalog');
    assert.equal(res.status(), 200);
    assert.equal(await page.locator('[data-testid=signout]').count(), 0, 'not signed in');
    const criterion = page.locator('#c-4-1-3-2');
    assert.equal(await criterion.count(), 1, 'criterion 4-1-3-2 is listed');
    assert.equal(await text(page, '#c-4-1-3-2 .cid'), '4-1-3-2');
    assert.ok(await criterion.locator('summary').isVisible(), 'its summary is visible');
    // Opening it shows the guidance.
    await criterion.locator('summary').click();
    assert.equal(await criterion.locator('details').getAttribute('open'), '', 'details opened');
    assert.ok(await criterion.locator('details > p').first().isVisible(), 'guidance visible when opened');
  });
});

test('keyboard only: Tab to email, type, Tab to password, Enter signs in', async (t) => {
  await inFreshContext(browser, t, {}, async (page) => {
    await page.goto('/login');
    const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');
    // Chromium applies autofocus in a task after the load event, so a busy machine can see the
    // page before the field has focus: wait for it (briefly) rather than race it.
    await page.waitForFunction(() => document.activeElement?.id === 'email', null, { timeout: 3_000 }).catch(() => {});
    assert.equal(await focusedId(), 'email', 'the email field has focus on arrival (autofocus)');

    // Start from the top of the document, as on a page without autofocus:
    // focusing <html> for a moment moves Chromium's Tab starting point there.
    await page.evaluate(() => {
      const root = document.documentElement;
      document.activeElement?.blur();
      root.tabIndex = -1;
      root.focus();
      root.removeAttribute('tabindex');
    });

    const seen = [];
    for (let i = 0; i < 20 && (await focusedId()) !== 'email'; i++) {
      await page.keyboard.press('Tab');
      seen.push(
        await page.evaluate(() => {
          const e = document.activeElement;
          const label = (e.textContent || '').trim().slice(0, 20);
          return `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.getAttribute('href') ? '[' + e.getAttribute('href') + ']' : ''}${label ? ' ' + label : ''}`;
        }),
      );
    }
    t.diagnostic(`Tab order to the email field: ${seen.join(' → ')}`);
    assert.equal(await focusedId(), 'email', `Tab reaches the email field (went ${seen.join(' → ')})`);
    assert.match(seen[0], /^a\[#main\]/, 'the first Tab lands on the skip link');
    assert.ok(
      await page.evaluate(() => {
        // The skip link came into view when it had focus (checked on a fresh focus).
        const skip = document.querySelector('a[href="#main"]');
        skip.focus();
        const r = skip.getBoundingClientRect();
        return r.right > 0 && r.left >= 0 && r.top >= 0 && r.bottom <= innerHeight;
      }),
      'the focused skip link is on screen',
    );
    await page.locator('#email').focus();

    await page.keyboard.type('registry@ipa-demo.example');
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(), 'password', 'Tab moves on to the password field');
    await page.keyboard.type(PASSWORD);
    await Promise.all([page.waitForURL((url) => url.pathname === '/dashboard'), page.keyboard.press('Enter')]);
    assert.equal(await text(page, '[data-testid=dashboard-title]'), 'ダッシュボード');
    assert.equal(await text(page, '[data-testid=org-name]'), '情報処理推進機構（デモ）');
  });
});

test('the registry dashboard counts the 13 demo organisations (12 logins and the withdrawn expert)', async (t) => {
  await inFreshContext(browser, t, {}, async (page) => {
    await signIn(page, 'registry@ipa-demo.example');
    assert.ok(await page.locator('[data-testid=role-registry]').isVisible());
    assert.equal(await text(page, '[data-testid=role-registry] [data-testid=org-count]'), '13');
  });
});

test('English comes from Accept-Language without the switch', async (t) => {
  await inFreshContext(
    browser,
    t,
    { locale: 'en-US', extraHTTPHeaders: { 'Accept-Language': 'en-US,en;q=0.9' } },
    async (page) => {
      await page.goto('/login');
      assert.equal(await htmlLang(page), 'en');
      assert.equal(await text(page, '[data-testid=lang-switch]'), '日本語');
      await signIn(page, 'owner@okazaki-jushi.example');
      assert.equal(await text(page, '[data-testid=dashboard-title]'), 'Dashboard');
      assert.equal(await htmlLang(page), 'en');
    },
  );
});

test('a language Hoshi does not have falls back to Japanese; the switch goes both ways', async (t) => {
  await inFreshContext(
    browser,
    t,
    { locale: 'fr-FR', extraHTTPHeaders: { 'Accept-Language': 'fr-FR,fr;q=0.9' } },
    async (page) => {
      await page.goto('/catalog');
      assert.equal(await htmlLang(page), 'ja');
      await clickAndLoad(page, page.locator('[data-testid=lang-switch]'));
      assert.equal(new URL(page.url()).pathname, '/catalog');
      assert.equal(await htmlLang(page), 'en');
      await clickAndLoad(page, page.locator('[data-testid=lang-switch]'));
      assert.equal(await htmlLang(page), 'ja');
      assert.equal(await text(page, '[data-testid=lang-switch]'), 'English');
    },
  );
});
