// A demo SME goes from an empty self-assessment to an expert-confirmed ★3 in
// a real browser: 有限会社刈谷プレス starts a ★3 assessment, answers all 112
// criteria category by category (one by keyboard only, one 「該当しない」 whose
// reason is required), reads the results, uploads evidence (a PDF is kept, an
// executable renamed .pdf is refused), signs the pledge and asks
// 鈴木情報セキュリティ事務所 to confirm; the expert agrees to every criterion
// and to the exclusion, and confirms; the SME then sees the assessment
// confirmed and locked, in Japanese and in English.
//
// The steps share one assessment, so they run in order; once a step fails the
// later ones are skipped. Run with e2e/run.sh (it starts `hoshi demo`).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { clickAndLoad, flowSteps, htmlLang, signIn, signOut, submitForm, text } from './helpers.mjs';

const SME = { email: 'owner@kariya-press.example', orgJa: '有限会社刈谷プレス', orgEn: 'Kariya Press Ltd.' };
const EXPERT = { email: 'expert@suzuki-sec.example', orgJa: '鈴木情報セキュリティ事務所' };

/** ★3 covers ★1 (5) + ★2 (26) + ★3 (81) criteria. */
const TOTAL = 112;
/** The criterion marked 「該当しない」, and the reason given. */
const NA_ID = '4-1-2-4';
const NA_REASON = '自社ではソフトウェアの開発を行っておらず、開発環境がないため';
/** The criterion that gets an evidence file. */
const EVIDENCE_ID = '4-4-5-1';
const PDF_NAME = 'antivirus-coverage-2026.pdf';
const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n' +
    '2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n' +
    'trailer << /Root 1 0 R >>\n%%EOF\n',
  'latin1',
);
/** The start of a Windows executable ("MZ", then binary), named as a PDF. */
const FAKE_PDF_NAME = 'invoice.pdf';
const EXE = Buffer.concat([Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff]), Buffer.alloc(64)]);
const OFFICER = { name: '刈谷 一郎', title: '代表取締役' };

/** Filled in by the steps as they go. */
const flow = { assessmentId: null, engagementPath: null, refusedChoiceKept: null, failed: null };

const { step, withPage } = flowSteps(flow);

const pathOf = (page) => new URL(page.url()).pathname;
const radio = (page, id, value) => page.locator(`input[type=radio][name="c.${id}.status"][value="${value}"]`);
const progress = async (page) => {
  const m = /^(\d+) \/ (\d+)/.exec(await text(page, '[data-testid=progress]'));
  assert.ok(m, 'the progress text reads "N / M …"');
  return { answered: Number(m[1]), total: Number(m[2]) };
};
const criteriaOnPage = (page) => page.$$eval('fieldset.question', (els) => els.map((e) => e.dataset.criterion));
const focused = (page) =>
  page.evaluate(() => {
    const e = document.activeElement;
    return { name: e?.getAttribute('name') ?? '', value: e?.getAttribute('value') ?? '', tag: e?.tagName.toLowerCase() ?? '' };
  });

describe('from an empty assessment to an expert-confirmed ★3', () => {
  step('SME starts a ★3 assessment and answers all 112 criteria', async (page, t) => {
    await signIn(page, SME.email);
    assert.equal(await text(page, '[data-testid=org-name]'), SME.orgJa);

    // The nav link to the self-assessments, and the start form (★3 by default).
    await clickAndLoad(page, page.locator('header nav a', { hasText: '自己評価' }));
    assert.equal(pathOf(page), '/assessments');
    assert.equal(await page.locator('#target_level').inputValue(), '3', 'the target defaults to ★3');
    if (await page.locator('[data-testid=empty]').count()) t.diagnostic('the SME had no assessment yet');
    const started = await submitForm(page, page.locator('[data-testid=start-assessment]'));
    assert.equal(started.status(), 303, 'starting redirects to the questionnaire');
    const m = /^\/assessments\/(\d+)\/answer$/.exec(pathOf(page));
    assert.ok(m, `lands on the questionnaire (${page.url()})`);
    flow.assessmentId = Number(m[1]);
    const id = flow.assessmentId;

    // An empty assessment: nothing answered, every criterion a gap, no level yet.
    assert.deepEqual(await progress(page), { answered: 0, total: TOTAL }, 'nothing answered yet');
    await clickAndLoad(page, page.locator(`a[href="/assessments/${id}"]`, { hasText: '結果' }));
    assert.equal(await text(page, '[data-testid=achieved]'), 'なし', 'no level achieved yet');
    assert.equal(await text(page, '[data-testid=gap-count]'), String(TOTAL), 'every criterion is open');
    assert.match(await text(page, '[data-testid=status]'), /^回答中/);
    await clickAndLoad(page, page.locator('[data-testid=continue]'));
    assert.equal(pathOf(page), `/assessments/${id}/answer`);

    const tabs = await page.$$eval('nav.tabs a', (els) => els.map((a) => new URL(a.href).searchParams.get('category')));
    assert.equal(tabs.length, 7, `seven categories (${tabs})`);
    assert.equal(await page.locator('nav.tabs a[aria-current=page]').count(), 1, 'the current category is marked');

    let seen = 0;
    let sawNa = false;
    for (let i = 0; i < tabs.length; i++) {
      const category = tabs[i];
      assert.equal(new URL(page.url()).searchParams.get('category') ?? tabs[0], category, `on category ${category}`);
      const ids = await criteriaOnPage(page);
      assert.ok(ids.length > 0, `category ${category} has criteria`);
      seen += ids.length;
      const handled = new Set();

      if (i === 0) {
        // Keyboard only for the first two criteria: Space on a focused radio, then
        // Tab on to the next question and the arrow keys within its radio group.
        const [first, second] = ids;
        await radio(page, first, 'met').focus();
        await page.keyboard.press('Space');
        assert.ok(await radio(page, first, 'met').isChecked(), `Space checks 「満たしている」 on ${first}`);
        const path = [];
        for (let n = 0; n < 10 && (await focused(page)).name !== `c.${second}.status`; n++) {
          await page.keyboard.press('Tab');
          const f = await focused(page);
          path.push(`${f.tag}${f.name ? `[${f.name}]` : ''}`);
        }
        t.diagnostic(`Tab from ${first} to ${second}: ${path.join(' → ')}`);
        assert.deepEqual(await focused(page), { name: `c.${second}.status`, value: 'met', tag: 'input' }, `Tab reaches ${second}'s first choice`);
        await page.keyboard.press('ArrowDown');
        assert.ok(await radio(page, second, 'not_met').isChecked(), 'ArrowDown selects 「満たしていない」');
        await page.keyboard.press('ArrowUp');
        assert.ok(await radio(page, second, 'met').isChecked(), 'ArrowUp goes back to 「満たしている」');
        assert.ok(!(await radio(page, second, 'not_met').isChecked()));
        handled.add(first).add(second);
      }

      for (const cid of ids) {
        if (!handled.has(cid) && cid !== NA_ID) await radio(page, cid, 'met').check();
      }

      if (ids.includes(NA_ID)) {
        sawNa = true;
        // 「該当しない」 without a reason is refused, naming the criterion; the rest is saved.
        const before = (await progress(page)).answered;
        await radio(page, NA_ID, 'not_applicable').check();
        assert.equal(await page.locator(`[name="c.${NA_ID}.reason"]`).inputValue(), '', 'no reason given');
        const res = await submitForm(page, page.locator('[data-testid=save]'));
        assert.equal(res.status(), 422, 'saving N/A without a reason is refused');
        const error = page.locator('[data-testid=form-error]');
        assert.ok(await error.isVisible(), 'the error is shown');
        assert.equal(await error.getAttribute('role'), 'alert', 'the error is announced');
        const message = (await error.textContent()).trim();
        assert.match(message, new RegExp(NA_ID), `the error names the criterion: ${message}`);
        assert.match(message, /理由/, `the error asks for a reason: ${message}`);
        assert.equal((await progress(page)).answered, before + ids.length - 1, 'the other answers on the page were saved');
        // What was chosen should survive the refusal (checked by the todo test below).
        flow.refusedChoiceKept = await radio(page, NA_ID, 'not_applicable').isChecked();
        // Fix it: 「該当しない」 with a reason.
        await radio(page, NA_ID, 'not_applicable').check();
        await page.locator(`[name="c.${NA_ID}.reason"]`).fill(NA_REASON);
        const fixed = await submitForm(page, page.locator('[data-testid=save]'));
        assert.equal(fixed.status(), 303, 'with a reason it saves');
        assert.equal(await text(page, '[data-testid=notice]'), '保存しました。');
        assert.equal(await page.locator('[data-testid=form-error]').count(), 0, 'no error any more');
        assert.ok(await radio(page, NA_ID, 'not_applicable').isChecked(), '「該当しない」 is kept');
        assert.equal(await page.locator(`[name="c.${NA_ID}.reason"]`).inputValue(), NA_REASON, 'the reason is kept');
      }

      const last = i === tabs.length - 1;
      if (last) {
        assert.equal(await page.locator('[data-testid=save-next]').count(), 0, 'no "next" on the last category');
        const res = await submitForm(page, page.locator('[data-testid=save-results]'));
        assert.equal(res.status(), 303);
        assert.equal(pathOf(page), `/assessments/${id}`, 'saving the last category opens the results');
      } else {
        const saveNext = page.locator('[data-testid=save-next]');
        const res = i === 0
          // The first category is sent by keyboard too: Enter on the focused button.
          ? await submitForm(page, async () => {
              await saveNext.focus();
              await page.keyboard.press('Enter');
            })
          : await submitForm(page, saveNext);
        assert.equal(res.status(), 303, `category ${category} saved`);
        assert.equal(new URL(page.url()).searchParams.get('category'), tabs[i + 1], 'on to the next category');
        assert.equal(await text(page, '[data-testid=notice]'), '保存しました。');
        if (i === 0) {
          // What the keyboard chose was saved.
          await page.goto(`/assessments/${id}/answer?category=${tabs[0]}`);
          for (const cid of handled) assert.ok(await radio(page, cid, 'met').isChecked(), `${cid} saved as met`);
          await page.goto(`/assessments/${id}/answer?category=${tabs[1]}`);
        }
      }
    }
    assert.equal(seen, TOTAL, 'every criterion was on one of the category pages');
    assert.ok(sawNa, `${NA_ID} was on one of the pages`);

    await page.goto(`/assessments/${id}/answer`);
    assert.deepEqual(await progress(page), { answered: TOTAL, total: TOTAL }, 'all answered');
    const counts = await page.$$eval('nav.tabs a .count', (els) => els.map((e) => e.textContent.trim()));
    for (const c of counts) {
      const [done, total] = c.split('/');
      assert.equal(done, total, `every category is complete (${counts})`);
    }
  });

  // Known UX bug: the page that refuses 「該当しない」 without a reason is drawn
  // from the saved answers, so the choice just made is no longer selected. A
  // user who then only types the reason and saves gets 「保存しました。」 while
  // the criterion stays unanswered (no status is sent, so the reason is dropped).
  test('a refused answer keeps its 「該当しない」 choice on the error page', (t) => {
    if (flow.refusedChoiceKept === null) {
      t.skip('the questionnaire step did not get that far');
      return;
    }
    assert.equal(flow.refusedChoiceKept, true, `${NA_ID}'s 「該当しない」 is still selected after the error`);
  });

  step('the results show ★3 reached; evidence upload keeps a PDF and refuses an executable', async (page) => {
    const id = flow.assessmentId;
    await signIn(page, SME.email);
    await page.goto(`/assessments/${id}`);
    assert.equal(await text(page, '[data-testid=achieved]'), '★3', 'level achieved');
    assert.equal(await text(page, '[data-testid=gap-count]'), '0', 'no gaps left');
    assert.match(await text(page, '[data-testid=status]'), /^回答中/);
    const chart = page.locator('[data-testid=category-chart]');
    assert.ok(await chart.isVisible(), 'the readiness chart is shown');
    assert.equal(await chart.locator('rect.bar').count(), 7, 'one bar per category');
    assert.equal(await chart.locator('rect.bar.done').count(), 7, 'every category is at 100%');
    assert.equal(await chart.getAttribute('role'), 'img');
    assert.ok((await chart.getAttribute('aria-label'))?.length, 'the chart has a text alternative');
    assert.ok(await page.locator('[data-testid=cost-table]').isVisible(), 'the cost table is shown');

    // Evidence on one criterion.
    await page.goto(`/assessments/${id}/criteria/${EVIDENCE_ID}`);
    assert.equal(await text(page, '[data-testid=answer]'), '満たしている');
    await page.locator('#file').setInputFiles({ name: PDF_NAME, mimeType: 'application/pdf', buffer: PDF });
    const ok = await submitForm(page, page.locator('[data-testid=upload]'));
    assert.equal(ok.status(), 200);
    assert.equal(await text(page, '[data-testid=notice]'), '証跡を追加しました。');
    assert.equal(await page.locator('[data-testid=form-error]').count(), 0);
    const rows = page.locator('main table tbody tr', { has: page.locator('code.hash') });
    assert.equal(await rows.count(), 1, 'one evidence file listed');
    const row = rows.first();
    assert.equal((await row.locator('td').first().textContent()).trim(), PDF_NAME);
    assert.match(await row.textContent(), /application\/pdf/);
    const sha = createHash('sha256').update(PDF).digest('hex');
    assert.equal((await row.locator('code.hash').textContent()).trim(), sha, 'the listed SHA-256 is the file\'s');
    const download = await page.request.get(await row.locator('td').first().locator('a').getAttribute('href'));
    assert.equal(download.status(), 200);
    assert.ok(Buffer.from(await download.body()).equals(PDF), 'the file downloads unchanged');

    // An executable renamed .pdf is refused by its content.
    await page.locator('#file').setInputFiles({ name: FAKE_PDF_NAME, mimeType: 'application/pdf', buffer: EXE });
    const refused = await submitForm(page, page.locator('[data-testid=upload]'));
    assert.equal(refused.status(), 422, 'the fake PDF is refused');
    const error = page.locator('[data-testid=form-error]');
    assert.ok(await error.isVisible());
    assert.match((await error.textContent()).trim(), /プログラムやスクリプトのファイルは、名前にかかわらず受け付けません/);
    assert.equal(await rows.count(), 1, 'still only the PDF is listed');
    assert.doesNotMatch(await page.locator('main').textContent(), new RegExp(FAKE_PDF_NAME.replace('.', '\\.')), 'the refused file is not listed');

    // The questionnaire counts the file on that criterion.
    await page.goto(`/assessments/${id}/answer?category=protect`);
    assert.match(await page.locator(`fieldset[data-criterion="${EVIDENCE_ID}"] p.small`).textContent(), /証跡 1/);
  });

  step('SME signs the pledge and asks 鈴木情報セキュリティ事務所 to confirm', async (page) => {
    const id = flow.assessmentId;
    await signIn(page, SME.email);
    await page.goto(`/assessments/${id}`);

    await page.locator('#officer_name').fill(OFFICER.name);
    await page.locator('#officer_title').fill(OFFICER.title);
    const signed = await submitForm(page, page.locator('[data-testid=sign-pledge]'));
    assert.equal(signed.status(), 200);
    assert.equal(await text(page, '[data-testid=notice]'), '遵守誓約を記録しました。');
    const pledge = await text(page, '[data-testid=pledge]');
    assert.ok(pledge.includes(OFFICER.name) && pledge.includes(OFFICER.title), `the pledge is shown as signed: ${pledge}`);
    assert.equal(await page.locator('[data-testid=sign-pledge]').count(), 0, 'no second signature');

    await page.locator('#kind').selectOption('confirmation');
    const provider = await page
      .locator('#provider option')
      .evaluateAll((opts, name) => opts.find((o) => o.textContent.includes(name))?.value ?? null, EXPERT.orgJa);
    assert.ok(provider, `${EXPERT.orgJa} is offered as an expert`);
    await page.locator('#provider').selectOption(provider);
    await page.locator('#message').fill('★3の確認をお願いします。');
    const engaged = await submitForm(page, page.locator('[data-testid=engage]'));
    assert.equal(engaged.status(), 200);
    assert.equal(await text(page, '[data-testid=notice]'), '依頼を送りました。');
    assert.match(await text(page, '[data-testid=status]'), /^専門家が確認中/);
    const engagement = page.locator('main table tbody tr', { hasText: EXPERT.orgJa });
    assert.equal(await engagement.count(), 1, 'the request is listed');
    assert.equal((await engagement.locator('[data-testid=engagement-status]').textContent()).trim(), '依頼中');
    assert.equal(await page.locator('[data-testid=engage]').count(), 0, 'no further requests while under review');
    assert.equal(await page.locator('[data-testid=continue]').count(), 0, 'answering is closed while under review');

    await signOut(page);
  });

  step('the expert agrees to every criterion and the exclusion, and confirms', async (page) => {
    const id = flow.assessmentId;
    await signIn(page, EXPERT.email);
    assert.equal(await text(page, '[data-testid=org-name]'), EXPERT.orgJa);
    await clickAndLoad(page, page.locator('header nav a', { hasText: '依頼' }));
    assert.equal(pathOf(page), '/engagements');
    const request = page.locator('main table tbody tr', { hasText: SME.orgJa }).filter({ hasText: '新しい依頼' });
    assert.ok((await request.count()) >= 1, 'the request from 刈谷プレス is in the inbox');
    await clickAndLoad(page, request.last().locator('a', { hasText: SME.orgJa }));
    assert.match(pathOf(page), /^\/engagements\/\d+$/);
    assert.match(await text(page, 'h1'), new RegExp(`★3の確認 — ${SME.orgJa}`));
    assert.equal(await text(page, '[data-testid=engagement-status]'), '新しい依頼');
    assert.equal(await page.locator(`main a[href="/assessments/${id}"]`).count(), 1, 'it is the assessment just sent');
    assert.match(await page.locator('main').textContent(), new RegExp(OFFICER.name), 'the signed pledge is shown');

    const ids = await criteriaOnPage(page);
    assert.equal(ids.length, TOTAL, 'every criterion is up for review');
    const na = page.locator(`fieldset[data-criterion="${NA_ID}"]`);
    assert.match(await na.textContent(), /該当しない/);
    assert.ok((await na.textContent()).includes(NA_REASON), 'the reason for the exclusion is shown');
    assert.equal(await page.locator('input[type=checkbox][name$=".na"]').count(), 1, 'one exclusion to agree to');
    const evidence = page.locator(`fieldset[data-criterion="${EVIDENCE_ID}"] a`, { hasText: PDF_NAME });
    assert.equal(await evidence.count(), 1, 'the evidence file is linked');

    for (const cid of ids) await page.locator(`input[name="r.${cid}.position"][value=agree]`).check();
    // Agreeing with every answer is not enough: the exclusion needs explicit agreement.
    let res = await submitForm(page, page.locator('[data-testid=save-reviews]'));
    assert.equal(res.status(), 200);
    assert.match(await text(page, '[data-testid=notice]'), new RegExp(`^${TOTAL}件の確認を保存しました`));
    assert.equal(await text(page, '[data-testid=engagement-status]'), '確認中');
    res = await submitForm(page, page.locator('[data-testid=confirm]'));
    assert.equal(res.status(), 422, 'confirming without agreeing to the exclusion is refused');
    const error = (await text(page, '[data-testid=form-error]'));
    assert.match(error, new RegExp(NA_ID), `the error names the exclusion: ${error}`);
    assert.match(error, /該当しない/);

    await page.locator(`input[type=checkbox][name="r.${NA_ID}.na"]`).check();
    res = await submitForm(page, page.locator('[data-testid=save-reviews]'));
    assert.equal(res.status(), 200);
    assert.ok(await page.locator(`input[name="r.${NA_ID}.na"]`).isChecked(), 'the agreement is saved');
    assert.equal(await page.locator('input[type=radio][value=agree]:checked').count(), TOTAL, 'all positions are kept');
    res = await submitForm(page, page.locator('[data-testid=confirm]'));
    assert.equal(res.status(), 303, 'confirmed');
    assert.equal(await text(page, '[data-testid=engagement-status]'), '確認済み');
    assert.equal(await page.locator('[data-testid=confirm]').count(), 0, 'nothing left to confirm');
    assert.equal(await page.locator('[data-testid=save-reviews]').count(), 0, 'the review is closed');
    flow.engagementPath = pathOf(page);

    await signOut(page);
  });

  // Known bug: once the request is closed, the review page shows each position
  // as its raw key ("判定: agree") instead of the label the form used (同意).
  // Once a todo: the closed review printed raw keys; fixed, so it is an ordinary test now.
  test('the closed review shows the positions in words (同意, not "agree")', async (t) => {
    if (flow.failed || !flow.engagementPath) {
      t.skip(`an earlier step failed: ${flow.failed}`);
      return;
    }
    await withPage(t, async (page) => {
      await signIn(page, EXPERT.email);
      await page.goto(flow.engagementPath);
      const first = (await page.locator('fieldset.question').first().textContent()).replace(/\s+/g, ' ');
      assert.match(first, /判定: 同意/, `the first criterion's position reads 同意: ${first.slice(-60)}`);
    });
  });

  step('the SME sees the ★3 confirmed and locked, in Japanese and in English', async (page) => {
    const id = flow.assessmentId;
    await signIn(page, SME.email);
    await clickAndLoad(page, page.locator('header nav a', { hasText: '自己評価' }));
    const row = page.locator('main table tbody tr', { has: page.locator(`a[href="/assessments/${id}"]`) });
    assert.match(await row.textContent(), /専門家の確認済み/);
    await clickAndLoad(page, row.locator('a'));
    assert.equal(pathOf(page), `/assessments/${id}`);
    const status = await text(page, '[data-testid=status]');
    assert.match(status, /^専門家の確認済み/);
    assert.match(status, /🔒/, 'shown as locked');
    assert.equal(await text(page, '[data-testid=achieved]'), '★3');
    assert.equal(await text(page, '[data-testid=gap-count]'), '0');
    assert.equal(await text(page, 'main table tbody tr:has-text("鈴木情報セキュリティ事務所") [data-testid=engagement-status]'), '確認済み');
    assert.equal(await page.locator('[data-testid=continue]').count(), 0, 'no more answering');
    assert.equal(await page.locator('#kind').count(), 0, 'no request form once locked');

    // The questionnaire is read-only: every radio and field disabled, no save buttons.
    await page.goto(`/assessments/${id}/answer?category=protect`);
    assert.ok((await page.locator('input[type=radio]').count()) > 0);
    assert.equal(await page.locator('fieldset.question input:not([disabled])').count(), 0, 'every input is disabled');
    assert.equal(await page.locator('[data-testid=save], [data-testid=save-next], [data-testid=save-results]').count(), 0, 'no save buttons');
    assert.ok(await radio(page, NA_ID, 'not_applicable').isChecked(), 'the answers are still shown');
    assert.match(await page.locator('main').textContent(), /変更できません/);
    await page.goto(`/assessments/${id}/criteria/${EVIDENCE_ID}`);
    assert.equal(await page.locator('[data-testid=upload]').count(), 0, 'no uploads once locked');

    // The results in English.
    await page.goto(`/assessments/${id}`);
    await clickAndLoad(page, page.locator('[data-testid=lang-switch]'));
    assert.equal(pathOf(page), `/assessments/${id}`, 'the switch comes back to the results');
    assert.equal(await htmlLang(page), 'en');
    assert.equal(await text(page, 'h1'), `Assessment results — ${SME.orgEn}`);
    assert.ok(await page.locator('dt', { hasText: 'Level achieved' }).isVisible(), '"Level achieved" is shown');
    assert.equal(await text(page, '[data-testid=achieved]'), '★3');
    assert.match(await text(page, '[data-testid=status]'), /^Confirmed by the expert/);
    assert.equal(await text(page, 'main table tbody tr:has([data-testid=engagement-status]) [data-testid=engagement-status]'), 'Confirmed');
    assert.ok(await page.locator('h2', { hasText: 'Readiness by category' }).first().isVisible());
  });
});
