// Small progressive enhancements for the server-rendered pages. Everything works without them.

const themeCookie = 'wad.theme';

function currentTheme() {
  return document.documentElement.getAttribute('data-bs-theme') === 'dark' ? 'dark' : 'light';
}

function setTheme(theme) {
  document.documentElement.setAttribute('data-bs-theme', theme);
  // A cookie rather than localStorage, so the server renders the right theme on the first paint.
  document.cookie = `${themeCookie}=${theme}; path=/; max-age=31536000; samesite=lax`;
  const toggle = document.getElementById('theme-toggle');
  if (toggle) toggle.setAttribute('aria-pressed', theme === 'dark' ? 'true' : 'false');
}

document.getElementById('theme-toggle')?.addEventListener('click', () => {
  setTheme(currentTheme() === 'dark' ? 'light' : 'dark');
});

// Forms and buttons that destroy or disable something ask first: data-confirm="Delete this campaign?".
document.addEventListener('submit', (event) => {
  const form = event.target;
  const message = event.submitter?.dataset.confirm ?? (form instanceof HTMLFormElement ? form.dataset.confirm : undefined);
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Toasts fade after a few seconds; errors stay until dismissed.
for (const element of document.querySelectorAll('.toast.show')) {
  if (element.dataset.flash !== 'error' && window.bootstrap) {
    const toast = window.bootstrap.Toast.getOrCreateInstance(element, { delay: 6000, autohide: true });
    toast.show();
  }
}
