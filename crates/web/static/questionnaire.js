// The questionnaire saves its answers before the page is left through one of its links
// (another category, a criterion's page, the results) or an evidence upload, so that switching
// loses nothing. Without script the page works as before: the save buttons stay at the bottom
// of the screen.
(() => {
  const form = document.querySelector('form.questionnaire[data-autosave]');
  if (!form) return;
  const status = document.querySelector('[data-testid=autosave]');
  let dirty = false;
  const mark = () => {
    dirty = true;
    if (status) status.textContent = status.dataset.unsaved;
  };
  form.addEventListener('input', mark);
  form.addEventListener('change', mark);
  form.addEventListener('submit', () => {
    dirty = false;
  });

  async function save() {
    if (!dirty) return true;
    const body = new URLSearchParams(new FormData(form));
    body.set('go', 'stay');
    try {
      const r = await fetch(form.action, { method: 'POST', body, credentials: 'same-origin', redirect: 'manual' });
      // A saved form answers with a redirect; a refused one (e.g. a reason missing) with its page.
      if (r.type === 'opaqueredirect' || r.status === 303) {
        dirty = false;
        if (status) status.textContent = status.dataset.saved;
        return true;
      }
    } catch (_) {
      // Fall through to the warning.
    }
    if (status) status.textContent = status.dataset.failed;
    return false;
  }

  document.addEventListener('click', async (ev) => {
    const a = ev.target.closest('a[href]');
    if (!a || !dirty || a.target || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey) return;
    ev.preventDefault();
    if (await save()) window.location.href = a.href;
  });

  document.querySelectorAll('form[data-evidence]').forEach((f) =>
    f.addEventListener('submit', async (ev) => {
      if (!dirty) return;
      ev.preventDefault();
      if (await save()) f.submit();
    }),
  );
})();
