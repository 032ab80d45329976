// Fair cost sharing and the price negotiation in a real browser: 岡崎樹脂工業
// (an SME) computes how its ★3 costs are shared and asks 三河精機 for a price
// change; 三河精機 makes a counter-offer; the SME accepts it with an effective
// date. The demo's older request to 浜松電装 has passed its response date
// unanswered, so the SME opens the consultation file for the Fair Trade
// Commission, reads it in Japanese and in English, and sends it; the
// regulator finds it in its inbox.
//
// The steps share the server's state, so they run in order; once a step fails
// the later ones are skipped. Run with e2e/run.sh (it starts `hoshi demo`).

import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { clickAndLoad, flowSteps, signIn, submitForm, text } from './helpers.mjs';

const SME = 'owner@okazaki-jushi.example';
const BUYER = 'owner@mikawa-seiki.example';
const REGULATOR = 'regulator@jftc-demo.example';
/** Corporate numbers of the demo's tier-1 suppliers (check digit first). */
const MIKAWA_CN = '5180001000002';
const HAMAMATSU_CN = '4180001000003';

const flow = { failed: null, requestPath: null };

const { step } = flowSteps(flow);

const yenValue = (s) => Number(s.replace(/[^0-9]/g, ''));

describe('request → counter-offer → accepted; a missed date → escalation', () => {
  step('the SME computes the sharing and sends a request to 三河精機', async (page) => {
    await signIn(page, SME);
    await clickAndLoad(page, page.locator('header nav a', { hasText: '価格協議' }));
    await clickAndLoad(page, page.locator('[data-testid=new-plan]'));
    // Only 三河精機 this time.
    await page.locator(`[data-testid=buyer-${HAMAMATSU_CN}]`).uncheck();
    await page.locator(`[data-testid=buyer-${MIKAWA_CN}]`).check();
    await page.locator(`[data-testid=weight-${MIKAWA_CN}]`).fill('300,000,000');
    await page.locator('[data-testid=revenue]').fill('480,000,000');
    await clickAndLoad(page, page.locator('[data-testid=compute]'));
    const rows = page.locator('[data-testid=shares] tbody tr');
    assert.equal(await rows.count(), 2, 'the buyer and the SME itself');
    // The shares add up to the total one-off cost, to the yen.
    const total = yenValue(await text(page, '[data-testid=total-one-off]'));
    let sum = 0;
    for (let i = 0; i < 2; i++) sum += yenValue(await rows.nth(i).locator('td').nth(3).textContent());
    assert.equal(sum, total, 'one-off shares add up to the total');
    assert.ok(await page.locator('[data-testid=allocation-chart] svg').isVisible(), 'the chart of who pays which increment');
    const sent = await submitForm(page, page.locator('[data-testid=send]'));
    assert.equal(sent.status(), 303);
    assert.match(new URL(page.url()).pathname, /^\/negotiations\/\d+$/);
    flow.requestPath = new URL(page.url()).pathname;
    assert.equal(await text(page, '[data-testid=state]'), '回答待ち');
    assert.match(await text(page, '[data-testid=chain]'), /改ざんされていません/);
  });

  step('三河精機 sees the request by its due date and makes a counter-offer', async (page) => {
    await signIn(page, BUYER);
    await page.goto('/negotiations');
    const row = page.locator(`[data-testid=incoming] tbody tr`, { has: page.locator(`a[href="${flow.requestPath}"]`) });
    assert.equal(await row.count(), 1, 'the request is in the buyer’s list');
    await clickAndLoad(page, row.locator('a').first());
    await page.locator('[data-testid=open-counter]').click();
    await page.locator('[data-testid=counter-amount]').fill('1,000,000');
    await page.locator('[data-testid=counter-reason]').fill('初年度は半額で、次年度に見直したい');
    const res = await submitForm(page, page.locator('[data-testid=do-counter]'));
    assert.equal(res.status(), 303);
    assert.equal(await text(page, '[data-testid=state]'), '対案あり');
    assert.equal(yenValue(await text(page, '[data-testid=offered]')), 1_000_000);
    assert.equal(await page.locator('[data-testid=open-counter]').count(), 0, 'the buyer now waits for the supplier');
  });

  step('the SME accepts the counter-offer from April', async (page) => {
    await signIn(page, SME);
    await page.goto(flow.requestPath);
    await page.locator('[data-testid=open-accept]').click();
    await page.locator('[data-testid=effective-from]').fill('2027-04-01');
    const res = await submitForm(page, page.locator('[data-testid=do-accept]'));
    assert.equal(res.status(), 303);
    assert.equal(await text(page, '[data-testid=state]'), '合意');
    assert.match(await text(page, '[data-testid=agreed]'), /1,000,000円（2027-04-01から）/);
    const kinds = await page.$$eval('[data-testid=timeline] li', (els) => els.map((e) => e.dataset.kind));
    assert.deepEqual(kinds, ['価格協議の申し入れ', '対案', '受諾']);
    await page.goto('/negotiations');
    assert.equal(yenValue(await text(page, '[data-testid=carried-total]')), 1_000_000, 'what the buyers agreed to carry');
  });

  step('the unanswered request to 浜松電装 can go to the Fair Trade Commission, in both languages', async (page) => {
    await signIn(page, SME);
    await page.goto('/negotiations');
    const overdue = page.locator('[data-testid=outgoing] tbody tr', { hasText: '浜松電装' });
    await clickAndLoad(page, overdue.locator('a').first());
    assert.ok(await page.locator('[data-testid=overdue]').isVisible());
    assert.match(await text(page, '[data-testid=escalation]'), /回答期限までに発注者から回答がない/);
    await clickAndLoad(page, page.locator('[data-testid=escalation-preview]'));
    assert.equal(await text(page, 'h1'), '価格協議に関する申出書');
    assert.match(await text(page, '[data-testid=party-supplier]'), /岡崎樹脂工業株式会社（法人番号 3180001000004）/);
    assert.match(await text(page, '[data-testid=party-buyer]'), /浜松電装株式会社/);
    assert.match(await text(page, '[data-testid=grounds]'), /回答期限までに発注者から回答がない/);
    assert.match(await text(page, '[data-testid=rule]'), /空港ゲーム/);
    // English.
    await clickAndLoad(page, page.locator('[data-testid=lang-switch]'));
    assert.equal(await text(page, 'h1'), 'Consultation file: price negotiation');
    assert.match(await text(page, '[data-testid=grounds]'), /the buyer did not answer by the response date/);
    assert.match(await text(page, '[data-testid=party-buyer]'), /Hamamatsu Denso Co., Ltd. \(corporate number 4180001000003\)/);
    assert.match(await text(page, '[data-testid=file-timeline]'), /price consultation requested/);
    // The JSON file.
    const json = await page.evaluate(async (href) => (await fetch(href)).json(), await page.locator('[data-testid=escalation-json]').getAttribute('href'));
    assert.equal(json.type, 'hoshi-jftc-consultation-v1');
    assert.equal(json.grounds[0].key, 'missed_deadline');
    assert.equal(json.chain.verified, true);
    // Send it.
    const sent = await submitForm(page, page.locator('[data-testid=escalate]'));
    assert.equal(sent.status(), 303);
    assert.ok(await page.locator('[data-testid=escalate]').count() === 0, 'sent once');
  });

  step('the regulator finds the case in its inbox with the figures', async (page) => {
    await signIn(page, REGULATOR);
    await clickAndLoad(page, page.locator('header nav a', { hasText: '申出の受付' }));
    const cases = page.locator('[data-testid=cases] tbody tr', { hasText: '岡崎樹脂工業' });
    assert.equal(await cases.count(), 1);
    assert.match(await cases.textContent(), /浜松電装/);
    assert.ok(Number(await text(page, '[data-testid=fig-requests]')) >= 2);
    await clickAndLoad(page, cases.locator('a').first());
    assert.equal(await text(page, 'h1'), '価格協議に関する申出書');
  });
});
