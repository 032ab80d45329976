// The SME's daily path in a real browser: 岡崎樹脂工業 (the demo SME that has just
// started toward ★3) opens the remediation plan the demo made from its gaps,
// assigns a task to a person with a due date, closes it with an evidence file,
// and sees the plan's progress and its readiness for ★3 move; the file is in
// its evidence library; the plan downloads as OSCAL POA&M that
// compliance-trestle loads, each item linked to the assessment-results
// findings; the same page reads in English.
//
// The steps share the SME's plan, so they run in order.

import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_DIR, clickAndLoad, flowSteps, signIn, submitForm, text } from './helpers.mjs';

const SME = { email: 'owner@okazaki-jushi.example', orgJa: '岡崎樹脂工業株式会社' };
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const flow = { assessmentId: null, failed: null, before: null };
const { step } = flowSteps(flow);
const pathOf = (page) => new URL(page.url()).pathname;

async function planFigures(page) {
  const m = /^(\d+)\/(\d+)$/.exec(await text(page, '[data-testid=plan-progress]'));
  assert.ok(m, 'the plan progress reads "done/total"');
  const readiness = Number((await text(page, '[data-testid=plan-readiness]')).replace('%', ''));
  return { done: Number(m[1]), total: Number(m[2]), readiness };
}

describe('the remediation plan from gaps to closed tasks', () => {
  step('the SME opens its plan from the assessment', async (page) => {
    await signIn(page, SME.email);
    assert.equal(await text(page, '[data-testid=org-name]'), SME.orgJa);
    await clickAndLoad(page, page.locator('[data-testid=latest-assessment] a'));
    const m = /^\/assessments\/(\d+)$/.exec(pathOf(page));
    assert.ok(m, `on the assessment (${page.url()})`);
    flow.assessmentId = Number(m[1]);
    await clickAndLoad(page, page.locator('[data-testid=plan-link]'));
    assert.equal(pathOf(page), `/assessments/${flow.assessmentId}/plan`);
    flow.before = await planFigures(page);
    assert.ok(flow.before.total >= 3, `the plan has tasks (${flow.before.total})`);
    assert.equal(await page.locator('[data-testid=timeline] li').count(), flow.before.total + 1, 'every task on the timeline, then the target date');
    assert.equal(await page.locator('[data-testid=task-2]').getAttribute('data-status'), 'done', 'the demo closed task 2');
  });

  step('the SME assigns task 3 and closes it with evidence', async (page) => {
    await signIn(page, SME.email);
    await page.goto(`/assessments/${flow.assessmentId}/plan`);
    await page.locator('[data-testid=owner-3]').fill('情報システム 田中');
    await page.locator('[data-testid=due-3]').fill('2027-01-15');
    await page.locator('[data-testid=status-3]').selectOption('doing');
    const saved = await submitForm(page, page.locator('[data-testid=save-3]'));
    assert.equal(saved.status(), 200);
    assert.match(await text(page, '[data-testid=notice]'), /タスクを更新しました/);
    assert.equal(await page.locator('[data-testid=task-3]').getAttribute('data-status'), 'doing');
    assert.equal(await page.locator('[data-testid=owner-3]').inputValue(), '情報システム 田中');

    // "Done" is not offered without evidence: closing needs a file.
    assert.equal(await page.locator('[data-testid=status-3] option[value=done]').count(), 0);
    await page.locator('[data-testid=file-3]').setInputFiles({ name: 'backup-log-2026.txt', mimeType: 'text/plain', buffer: Buffer.from('バックアップ取得記録 2026-12\n') });
    const closed = await submitForm(page, page.locator('[data-testid=close-3]'));
    assert.equal(closed.status(), 200);
    assert.match(await text(page, '[data-testid=notice]'), /タスクを完了/);
    assert.equal(await page.locator('[data-testid=task-3]').getAttribute('data-status'), 'done');
    assert.equal(await text(page, '[data-testid=evidence-3]'), 'backup-log-2026.txt');
    const after = await planFigures(page);
    assert.equal(after.done, flow.before.done + 1, 'plan progress moved');
    assert.ok(after.readiness > flow.before.readiness, `readiness moved (${flow.before.readiness}% → ${after.readiness}%)`);

    // The file is in the evidence library, used by the task's criteria.
    await clickAndLoad(page, page.locator('header nav a', { hasText: '証跡ライブラリ' }));
    assert.equal(pathOf(page), '/evidence');
    assert.ok((await text(page, '[data-testid=library]')).includes('backup-log-2026.txt'));
  });

  step('the plan downloads as OSCAL POA&M that trestle loads, and reads in English', async (page) => {
    await signIn(page, SME.email);
    const id = flow.assessmentId;
    const poam = await page.request.get(`/assessments/${id}/plan/poam.json?lang=en`);
    assert.equal(poam.status(), 200);
    const doc = await poam.json();
    const items = doc['plan-of-action-and-milestones']['poam-items'];
    assert.equal(items.length, flow.before.total, 'one poam-item per task');
    const ar = await page.request.get(`/assessments/${id}/oscal.json?lang=en`);
    const arDoc = await ar.json();
    const findings = new Set(arDoc['assessment-results'].results[0].findings.map((f) => f.uuid));
    for (const item of items) {
      for (const rf of item['related-findings'] ?? []) assert.ok(findings.has(rf['finding-uuid']), 'linked to the assessment-results findings');
    }
    const python = path.join(ROOT, '.venv/bin/python');
    assert.ok(existsSync(python), 'scripts/test installs compliance-trestle in .venv before the browser tests');
    mkdirSync(RESULTS_DIR, { recursive: true });
    const poamFile = path.join(RESULTS_DIR, 'plan.poam.json');
    const arFile = path.join(RESULTS_DIR, 'plan.ar.json');
    writeFileSync(poamFile, JSON.stringify(doc));
    writeFileSync(arFile, JSON.stringify(arDoc));
    const out = execFileSync(python, [path.join(ROOT, 'scripts/check_oscal.py'), 'poam', poamFile, '--assessment-results', arFile, '--expect-items', String(items.length)], { encoding: 'utf8' });
    assert.match(out, /oscal: \d+ passed, 0 failed/);

    await page.goto(`/lang/en?next=${encodeURIComponent(`/assessments/${id}/plan`)}`);
    assert.equal(pathOf(page), `/assessments/${id}/plan`);
    assert.match(await page.locator('h1').textContent(), /Remediation plan/);
    assert.equal(await text(page, '[data-testid=state-3]'), 'Done');
  });
});
