// The campaign wizard's Basics step: choosing an account or a template re-renders the form at once (that account's
// templates, that template's preview) by pressing the form's refresh button, which saves nothing. Without this
// script, people press "Show templates" or "Preview" themselves.
const form = document.querySelector('form[data-basics-form]');
const refresh = form?.querySelector('button[value="refresh"]');
if (form && refresh) {
  for (const select of form.querySelectorAll('select[data-refresh-on-change]')) {
    select.addEventListener('change', () => form.requestSubmit(refresh));
  }
}
