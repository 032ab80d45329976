// The automaker's procurement team in a real browser: 東海自動車 imports a
// supplier file with a bad row through the preview (the bad row is named, the
// good rows are imported), finds the new supplier in its portfolio, looks at
// the dashboard, opens the supply network drawn across three tiers, and asks
// "what if 矢作樹脂工業 is compromised" — the Kojima-style case, where the
// plants stop — in Japanese and in English.
//
// The steps share the server's state, so they run in order; once a step fails
// the later ones are skipped. Run with e2e/run.sh (it starts `hoshi demo`).

import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { clickAndLoad, flowSteps, signIn, submitForm, text } from './helpers.mjs';

const BUYER = 'buyer@tokai-motor.example';

/** A valid corporate number from a 12-digit base (check digit in front). */
function corporateNumber(base) {
  const digits = [...base].map(Number);
  const sum = digits.reverse().reduce((s, d, i) => s + d * (i % 2 === 0 ? 1 : 2), 0);
  return String(9 - (sum % 9)) + base;
}

const NEW_SUPPLIER = { cn: corporateNumber('190009000001'), name: '西尾精密鋳造株式会社' };
const SECOND = { cn: corporateNumber('190009000002'), name: '大府電機株式会社' };
/** A wrong check digit: the good one plus one, mod 10. */
const BAD_CN = (() => {
  const good = corporateNumber('190009000003');
  return String((Number(good[0]) + 1) % 10) + good.slice(1);
})();
const FILE = [
  '法人番号,名称,年間購入額,供給品目,機密情報の保有,停止影響,ネットワーク接続,重要度,連絡先メール',
  `${NEW_SUPPLIER.cn},${NEW_SUPPLIER.name},"2,400,000,000",鋳造部品,いいえ,はい,はい,高,sales@nishio.example`,
  `${BAD_CN},番号誤り株式会社,"10,000,000",部品,いいえ,いいえ,いいえ,中,`,
  `${SECOND.cn},${SECOND.name},"90,000,000",モーター,いいえ,いいえ,いいえ,低,`,
].join('\r\n');

const flow = { failed: null };

const { step } = flowSteps(flow);

const pathOf = (page) => new URL(page.url()).pathname;

describe('import → portfolio → network → what-if', () => {
  step('the buyer imports a supplier file: the bad row is named, the good rows go in', async (page) => {
    await signIn(page, BUYER);
    await clickAndLoad(page, page.locator('header nav a', { hasText: '取引先' }).first());
    assert.equal(pathOf(page), '/suppliers');
    const before = await page.locator('[data-testid=portfolio] tbody tr').count();
    assert.ok(before >= 16, `the demo automaker has its tier-1 list (${before})`);

    await clickAndLoad(page, page.locator('[data-testid=import-link]'));
    await page.locator('[data-testid=import-file]').setInputFiles({ name: 'suppliers.csv', mimeType: 'text/csv', buffer: Buffer.from(FILE, 'utf8') });
    // The upload goes with a progress bar, then the preview opens.
    await Promise.all([page.waitForURL(/\/suppliers\/import\/\d+$/), page.locator('[data-testid=import-upload]').click()]);
    await page.locator('[data-testid=preview]').waitFor();
    assert.match(await text(page, '[data-testid=preview-summary]'), /^3行のうち2行が正常、1件のエラー/);
    const errorRows = await page.$$eval('[data-testid=import-errors] tbody tr', (rows) => rows.map((r) => r.dataset.row));
    assert.deepEqual(errorRows, ['3'], 'row 3 (the header is row 1) has the wrong check digit');
    assert.match(await text(page, '[data-testid=import-errors] tbody tr'), /チェックデジット/);
    // Every column was recognised from its Japanese header.
    assert.equal(await page.locator('[data-testid=map-0]').inputValue(), 'corporate_number');
    assert.equal(await page.locator('[data-testid=map-5]').inputValue(), 'outage_unacceptable');

    // "Only if every row is good" refuses and says why; "the good rows" imports two.
    const refused = await submitForm(page, page.locator('[data-testid=import-confirm]'));
    assert.equal(refused.status(), 422);
    assert.match(await text(page, '[data-testid=error]'), /何も取り込んでいません/);
    await page.locator('[data-testid=mode-good]').check();
    const done = await submitForm(page, page.locator('[data-testid=import-confirm]'));
    assert.equal(done.status(), 303);
    assert.equal(pathOf(page), '/suppliers');
    assert.match(await text(page, '[data-testid=imported]'), /3行を読み、2件追加、0件更新（エラー1行）/);
    assert.equal(await page.locator('[data-testid=portfolio] tbody tr').count(), before + 2);
  });

  step('the portfolio shows the new supplier as unknown and high risk, with its drivers', async (page) => {
    await signIn(page, BUYER);
    await page.goto('/suppliers');
    await page.locator('[data-testid=filter-q]').fill('西尾');
    await page.locator('[data-testid=filter-status]').selectOption('unknown');
    await clickAndLoad(page, page.locator('[data-testid=filter-apply]'));
    const rows = page.locator('[data-testid=portfolio] tbody tr');
    assert.equal(await rows.count(), 1);
    assert.equal(await rows.first().getAttribute('data-cn'), NEW_SUPPLIER.cn);
    assert.match(await rows.first().textContent(), /★4/, 'outage and network access: ★4 by the rule');
    assert.match(await rows.first().textContent(), /不明/);
    await clickAndLoad(page, rows.first().locator('a').first());
    assert.match(await text(page, '[data-testid=risk-score]'), /高$/);
    const drivers = await text(page, '[data-testid=drivers]');
    assert.match(drivers, /停止すると生産に許容できない遅れ/);
    assert.match(drivers, /社内システムに接続/);
    // The re-evaluation list names it with the reason.
    await page.goto('/suppliers');
    assert.match(await text(page, '[data-testid=reevaluate]'), new RegExp(NEW_SUPPLIER.name));
    // The dashboard draws its four pictures.
    await page.goto('/suppliers/dashboard');
    for (const id of ['chart-levels', 'chart-criticality', 'chart-expiry', 'risk-matrix']) {
      assert.ok(await page.locator(`[data-testid=${id}]`).isVisible(), id);
    }
    assert.ok((await page.locator('[data-testid=chart-levels] svg rect.bar').count()) >= 6);
  });

  step('the network shows three tiers, and a compromise of the resin supplier stops the plants', async (page) => {
    await signIn(page, BUYER);
    await page.goto('/suppliers');
    await clickAndLoad(page, page.locator('[data-testid=network-link]'));
    assert.equal(pathOf(page), '/network');
    const svg = page.locator('[data-testid=network-svg] svg');
    assert.ok(await svg.isVisible());
    assert.ok((await svg.locator('g.node[data-tier="3"]').count()) >= 1, 'tier 3 is drawn');
    assert.ok((await svg.locator('g.node[data-tier="1"]').count()) >= 18, 'every direct supplier, the imported ones too');
    assert.match(await text(page, '[data-testid=buyer-exposure]'), /^\d+\.\d%$/);
    assert.ok((await page.locator('[data-testid=contributors] tbody tr').count()) >= 5);

    await page.locator('[data-testid=whatif-select]').selectOption({ label: '矢作樹脂工業株式会社 (第1次)' });
    await clickAndLoad(page, page.locator('[data-testid=whatif-run]'));
    assert.match(await text(page, '[data-testid=production-stop]'), /生産が止まるおそれ/);
    const automaker = page.locator('[data-testid=affected] tbody tr', { hasText: '東海自動車株式会社' });
    const chance = Number((await automaker.locator('strong').textContent()).replace('%', ''));
    assert.ok(chance > 80, `the automaker is hit with high probability (${chance}%)`);
    assert.ok((await svg.locator('g.node.source').count()) === 1, 'the compromised company is marked');
    assert.ok((await svg.locator('line.link.hot').count()) >= 1, 'the path to the automaker is highlighted');

    // The same in English.
    await clickAndLoad(page, page.locator('[data-testid=lang-switch]'));
    assert.match(await text(page, '[data-testid=production-stop]'), /Your production may stop/);
    assert.match(await text(page, '[data-testid=whatif] h2'), /compromised$/);
  });
});
