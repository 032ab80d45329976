// The trust behind a certificate, as its people meet it: a newly registered expert is not
// offered to suppliers and cannot confirm; the registry operator verifies it and approves its
// accreditation; then it confirms a new supplier's ★3, the operator decides from the dossier
// after recording a check, and the certificate page names the expert with its registration
// number and the scope in words.
//
// The steps share the server's state, so they run in order; once a step fails the rest skip.
import { describe } from 'node:test';
import assert from 'node:assert/strict';

import { clickAndLoad, flowSteps, signIn, signOut, submitForm, text } from './helpers.mjs';

/** A valid 法人番号 for a 12-digit base: the check digit comes first. */
function corporateNumber(base) {
  const digits = [...base].map(Number);
  const sum = digits.reverse().reduce((s, d, i) => s + d * (i % 2 === 0 ? 1 : 2), 0);
  return `${9 - (sum % 9)}${base}`;
}

const stamp = String(Date.now()).slice(-6);
const EXPERT = {
  cn: corporateNumber(`172${stamp}001`),
  nameJa: `瀬戸内セキュリティ支援${stamp}`,
  email: `expert${stamp}@setouchi-sec.example`,
  number: `77${stamp}`,
};
const SUPPLIER = {
  cn: corporateNumber(`172${stamp}002`),
  nameJa: `備前精工${stamp}`,
  email: `owner${stamp}@bizen-seiko.example`,
  scope: '生産管理部',
};
const OPERATOR = 'registry@ipa-demo.example';
const PASSWORD = 'correct horse battery staple';

const flow = { failed: null, assessmentId: null, serial: null };

const { step } = flowSteps(flow);

async function register(page, who, role) {
  await page.goto('/register');
  await page.locator('#corporate_number').fill(who.cn);
  await page.locator('#name_ja').fill(who.nameJa);
  await page.locator('#name_en').fill(`${who.nameJa} K.K.`);
  await page.locator('#prefecture').selectOption('岡山県');
  await page.locator(`input[name=${role}]`).check();
  await page.locator('#display_name').fill('担当 一郎');
  await page.locator('#reg-email').fill(who.email);
  await page.locator('#reg-password').fill(PASSWORD);
  const res = await submitForm(page, page.locator('form[action="/register"] button[type=submit]'));
  // The same answer whether or not the address or number was taken: then the person signs in.
  assert.equal(res.status(), 200, 'registration received');
  assert.match(await page.locator('[data-testid=login-notice]').textContent(), /登録を受け付けました/);
  assert.equal(await page.locator('#email').inputValue(), who.email, 'the address is filled in');
  await page.locator('#password').fill(PASSWORD);
  const signedIn = await submitForm(page, page.locator('form[action="/login"] button[type=submit]'));
  assert.equal(signedIn.status(), 303, 'signed in');
  assert.equal(new URL(page.url()).pathname, '/dashboard');
}

const offeredExperts = (page) => page.locator('#provider option').evaluateAll((opts) => opts.map((o) => o.value));

describe('only a verified, approved expert can confirm a ★3 that the registry issues', () => {
  step('a new expert registers and applies for accreditation; it stays unverified', async (page) => {
    await register(page, EXPERT, 'role_expert');
    await page.goto('/org');
    assert.ok((await text(page, '[data-testid=unverified]')).includes('未確認'), 'a new organisation is unverified');
    await page.locator('#acc-q').fill('情報処理安全確保支援士');
    await page.locator('#acc-n').fill(EXPERT.number);
    await page.locator('#acc-t').fill('2026-06-01');
    const res = await submitForm(page, page.locator('[data-testid=apply-accreditation]'));
    assert.equal(res.status(), 303);
    assert.match(await text(page, '[data-testid=accreditation-state]'), /申請中/);
    await signOut(page);
  });

  step('a new supplier answers every ★3 criterion; the unapproved expert is not offered and cannot be engaged', async (page) => {
    await register(page, SUPPLIER, 'role_supplier');
    await page.goto('/assessments');
    await page.locator('#scope_kind').selectOption('department');
    await page.locator('#scope_text').fill(SUPPLIER.scope);
    await submitForm(page, page.locator('[data-testid=start-assessment]'));
    flow.assessmentId = /\/assessments\/(\d+)/.exec(page.url())[1];
    const id = flow.assessmentId;
    await page.goto(`/assessments/${id}/answer`);
    const tabs = await page.locator('nav.tabs a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const [i, href] of tabs.entries()) {
      await page.goto(href);
      const [first] = await page.$$eval('fieldset.question', (els) => els.map((e) => e.dataset.criterion));
      if (i === 0) {
        // The reason field appears only once 「該当しない」 is chosen.
        const reason = page.locator(`#r-${first}`);
        assert.equal(await reason.isVisible(), false, 'no reason field before 「該当しない」');
        await page.locator(`input[name="c.${first}.status"][value=not_applicable]`).check();
        assert.ok(await reason.isVisible(), 'the reason field appears with 「該当しない」');
      }
      await page.$$eval('input[type=radio][value=met]', (rs) => rs.forEach((r) => (r.checked = true)));
      if (i === 0) {
        // Leaving by the next category's tab without pressing save keeps the answers.
        await page.locator(`input[name="c.${first}.status"][value=met]`).check();
        await clickAndLoad(page, page.locator(`nav.tabs a[href="${tabs[1]}"]`));
        continue;
      }
      const saved = await submitForm(page, page.locator('[data-testid=save]'));
      assert.equal(saved.status(), 303, `saved ${href}`);
    }
    await page.goto(`/assessments/${id}/answer`);
    const counts = await page.$$eval('nav.tabs a .count', (els) => els.map((e) => e.textContent.trim()));
    assert.ok(counts.every((c) => c.split('/')[0] === c.split('/')[1]), `every category complete, the first saved on the way out: ${counts}`);
    // Evidence is attached from the questionnaire itself.
    const [attachTo] = await page.$$eval('fieldset.question', (els) => els.map((e) => e.dataset.criterion));
    await page.locator(`#f-${attachTo}`).setInputFiles({ name: 'policy.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
    const attached = await submitForm(page, page.locator(`[data-testid=attach-${attachTo}]`));
    assert.equal(attached.status(), 303, 'attached and back on the questionnaire');
    assert.match(await text(page, `[data-testid=files-${attachTo}]`), /1/);
    await page.goto(`/assessments/${id}`);
    assert.equal((await offeredExperts(page)).includes(EXPERT.cn), false, 'the self-declared expert is not offered');
    await page.goto('/experts');
    assert.equal(await page.locator('main', { hasText: EXPERT.nameJa }).count(), 0, 'nor listed in the directory');
    // A tampered form naming it anyway is refused in words.
    await page.goto(`/assessments/${id}`);
    await page.locator('#kind').selectOption('confirmation');
    await page.$eval('#provider', (sel, cn) => sel.add(new Option('x', cn, true, true)), EXPERT.cn);
    const refused = await submitForm(page, page.locator('[data-testid=engage]'));
    assert.equal(refused.status(), 403);
    assert.match(await text(page, '[data-testid=error-message]'), /承認した.*ではありません/);
    await signOut(page);
  });

  step('the operator verifies both organisations and approves the expert', async (page) => {
    await signIn(page, OPERATOR);
    await page.goto('/registry/console');
    await clickAndLoad(page, page.locator('[data-testid=trust-link]'));
    for (const who of [EXPERT, SUPPLIER]) {
      const block = page.locator(`[data-testid=verify-${who.cn}]`);
      await block.locator('input[name=checked]').fill('登記事項証明書（2026-11発行）: 商号・本店所在地が一致');
      const res = await submitForm(page, block.locator('[data-testid=verify]'));
      assert.equal(res.status(), 200);
      assert.match(await text(page, '[data-testid=notice]'), /記録しました/);
    }
    const provider = page.locator(`[data-testid=provider-${EXPERT.cn}]`);
    const approved = await submitForm(page, provider.locator('[data-testid=approve]'));
    assert.equal(approved.status(), 200);
    assert.match(await text(page, `[data-testid=provider-${EXPERT.cn}] [data-testid=provider-state]`), /承認済み/);
    await page.goto(`/providers?q=${EXPERT.number}`);
    assert.equal(await page.locator('[data-testid=providers] tbody tr').count(), 1, 'the public directory lists it');
    await signOut(page);
  });

  step('the supplier signs the pledge and asks the now approved expert', async (page) => {
    const id = flow.assessmentId;
    await signIn(page, SUPPLIER.email, PASSWORD);
    await page.goto(`/assessments/${id}`);
    await page.locator('#officer_name').fill('備前 太郎');
    await page.locator('#officer_title').fill('代表取締役');
    await submitForm(page, page.locator('[data-testid=sign-pledge]'));
    assert.ok((await offeredExperts(page)).includes(EXPERT.cn), 'approved: offered');
    await page.locator('#kind').selectOption('confirmation');
    await page.locator('#provider').selectOption(EXPERT.cn);
    const engaged = await submitForm(page, page.locator('[data-testid=engage]'));
    assert.equal(engaged.status(), 200);
    assert.match(await text(page, '[data-testid=status]'), /^専門家が確認中/);
    await signOut(page);
  });

  step('the expert agrees to every criterion and confirms', async (page) => {
    await signIn(page, EXPERT.email, PASSWORD);
    await page.goto('/engagements');
    await clickAndLoad(page, page.locator('main table tbody tr', { hasText: SUPPLIER.nameJa }).locator('a').first());
    await page.$$eval('input[type=radio][value=agree]', (rs) => rs.forEach((r) => (r.checked = true)));
    await submitForm(page, page.locator('[data-testid=save-reviews]'));
    const confirmed = await submitForm(page, page.locator('[data-testid=confirm]'));
    assert.ok([200, 303].includes(confirmed.status()), `confirmed (${confirmed.status()})`);
    await signOut(page);
  });

  step('the supplier applies; the operator records the check in the dossier and issues', async (page) => {
    const id = flow.assessmentId;
    await signIn(page, SUPPLIER.email, PASSWORD);
    await page.goto(`/assessments/${id}`);
    await submitForm(page, page.locator('[data-testid=apply]'));
    await signOut(page);

    await signIn(page, OPERATOR);
    await page.goto('/registry/console');
    const row = page.locator('.share', { hasText: SUPPLIER.nameJa });
    await clickAndLoad(page, row.locator('[data-testid=dossier-link]'));
    assert.match(await text(page, '[data-testid=dossier-provider]'), new RegExp(EXPERT.nameJa));
    assert.match(await text(page, '[data-testid=dossier-accreditation]'), new RegExp(EXPERT.number));
    assert.match(await text(page, '[data-testid=dossier-verification]'), /登記事項証明書/);
    assert.equal(await text(page, '[data-testid=dossier-scope]'), `部門: ${SUPPLIER.scope}`);
    assert.ok(await page.locator('[data-testid=issue]').isDisabled(), 'no issuing before the check is recorded');
    await page.locator('#note').fill('回答・除外・誓約・確認者の承認と登録番号を確認');
    await submitForm(page, page.locator('[data-testid=record-check]'));
    assert.equal(await page.locator('[data-testid=no-blockers]').count(), 1);
    const issued = await submitForm(page, page.locator('[data-testid=issue]'));
    assert.equal(issued.status(), 200);
    const notice = await text(page, '[data-testid=notice]');
    flow.serial = /HS\d{4}-\d{7}/.exec(notice)?.[0];
    assert.ok(flow.serial, `a serial in "${notice}"`);
    await signOut(page);
  });

  step('the certificate page names the expert with its registration number and the scope in words', async (page) => {
    await page.goto(`/registry/certificates/${flow.serial}`);
    const by = await text(page, '[data-testid=attested-by]');
    assert.ok(by.includes(EXPERT.nameJa) && by.includes(EXPERT.number), `attested by: ${by}`);
    assert.equal(await text(page, '[data-testid=scope]'), `部門: ${SUPPLIER.scope}`);
    await page.goto(`/registry/companies/${SUPPLIER.cn}`);
    assert.match(await text(page, '[data-testid=history]'), /発行/);
    assert.match(await text(page, '[data-testid=company-verified]'), /本人確認済み/);
  });
});
