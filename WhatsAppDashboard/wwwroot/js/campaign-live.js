// Live campaign progress over SignalR (hub /hubs/campaigns, client method "progress").
//
// Binding is by data attributes, so any page that renders the campaign components goes live by loading this module:
//   data-live-campaign="42"   an element that follows campaign 42; everything below binds to the nearest one
//   data-live="sentCount"     text of a snapshot field (counts, pendingCount, ratePerSecond, etaSeconds, lastError),
//                             "status" for the status badge, "progress" for a progress bar
//   data-live-share="readCount" data-live-of="deliveredCount"   a percentage of one field in another
//   data-live-danger="failedCount"  red while the field is above zero
//   data-live-if="action:pause" / "lastError"   shown while the action is allowed / the field has a value; hidden
//                             content waits inside a <template data-live-if="…"> (see LiveIf.razor)
//   data-live-list            inside it, rows follow the list's pushes instead of watching one campaign each
//   data-live-tab-count="running"   a status tab's count, moved when a visible row changes status
// Without this script (or the connection) the pages show the state they were rendered with; a reload shows the truth.

const hubUrl = '/hubs/campaigns';
const signalrUrl = '/lib/signalr/signalr.min.js';
const retryAfterGivingUp = 5000;

// Mirrors CampaignStatusBadge.razor.
const badges = {
  draft: ['Draft', 'text-bg-secondary'],
  scheduled: ['Scheduled', 'text-bg-info'],
  running: ['Running', 'text-bg-primary'],
  paused: ['Paused', 'text-bg-warning'],
  completed: ['Completed', 'text-bg-success'],
  failed: ['Failed', 'text-bg-danger'],
  cancelled: ['Cancelled', 'text-bg-light border'],
};
const badgeClasses = [...new Set(Object.values(badges).flatMap(([, css]) => css.split(' ')))];

const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const rateNumber = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, useGrouping: false });

const roots = () => [...document.querySelectorAll('[data-live-campaign]')];
const list = document.querySelector('[data-live-list]');

function idOf(root) {
  return Number.parseInt(root.dataset.liveCampaign, 10);
}

// Elements bound to this root, not to a nested root of another campaign.
function bound(root, selector) {
  return [...root.querySelectorAll(selector)].filter((element) => element.closest('[data-live-campaign]') === root);
}

// Mirrors CampaignOverview.Describe: "under a second", "45 s", "3 min 20 s", "2 h 5 min", "1 day 3 h".
function duration(totalSeconds) {
  if (totalSeconds < 1) return 'under a second';
  const s = Math.floor(totalSeconds);
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  if (s < 60) return `${s} s`;
  if (s < 3600) return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
  if (s < 86400) return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
  return `${days} day${days === 1 ? '' : 's'}` + (hours === 0 ? '' : ` ${hours} h`);
}

function text(field, value) {
  if (field === 'ratePerSecond') return value == null ? '—' : `${rateNumber.format(value)}/s`;
  if (field === 'etaSeconds') return value == null ? '—' : duration(value);
  if (typeof value === 'number') return number.format(value);
  return value ?? '';
}

function setBadge(badge, status) {
  const [title, css] = badges[status] ?? [status, 'text-bg-light border'];
  badge.classList.remove(...badgeClasses);
  badge.classList.add(...css.split(' '));
  badge.dataset.status = status;
  badge.textContent = title;
}

function setProgress(bar, percent) {
  bar.setAttribute('aria-valuenow', String(percent));
  const inner = bar.querySelector('.progress-bar');
  if (!inner) return;
  inner.style.width = `${percent}%`;
  // The big bar prints its percentage; the compact one has no text to keep.
  if (inner.textContent.trim() !== '') inner.textContent = `${percent}%`;
}

function shown(condition, snapshot) {
  if (condition.startsWith('action:')) return snapshot.allowedActions.includes(condition.slice('action:'.length));
  const value = snapshot[condition];
  return value !== null && value !== undefined && value !== '' && value !== 0;
}

// Swaps content between the page and its inert <template>, so hidden controls are not on the page at all.
function toggle(root, snapshot) {
  for (const template of bound(root, 'template[data-live-if]')) {
    if (shown(template.dataset.liveIf, snapshot)) {
      const content = template.content.firstElementChild?.cloneNode(true);
      if (content) template.replaceWith(content);
    }
  }
  for (const element of bound(root, '[data-live-if]:not(template)')) {
    if (!shown(element.dataset.liveIf, snapshot)) {
      const template = document.createElement('template');
      template.dataset.liveIf = element.dataset.liveIf;
      element.replaceWith(template);
      template.content.appendChild(element);
    }
  }
}

function moveTabCount(from, to) {
  if (from === to) return;
  for (const [status, delta] of [[from, -1], [to, 1]]) {
    const count = document.querySelector(`[data-live-tab-count="${status}"]`);
    if (!count) continue;
    const value = Number.parseInt(count.textContent.replace(/,/g, ''), 10);
    if (!Number.isNaN(value)) count.textContent = number.format(Math.max(0, value + delta));
  }
}

function apply(snapshot) {
  for (const root of roots()) {
    if (idOf(root) !== snapshot.id) continue;
    toggle(root, snapshot);
    for (const element of bound(root, '[data-live]')) {
      const field = element.dataset.live;
      if (field === 'status') {
        if (list?.contains(root)) moveTabCount(element.dataset.status, snapshot.status);
        setBadge(element, snapshot.status);
      } else if (field === 'progress') {
        setProgress(element, snapshot.progressPercent);
      } else if (field in snapshot) {
        element.textContent = text(field, snapshot[field]);
      }
    }
    for (const element of bound(root, '[data-live-share]')) {
      const whole = snapshot[element.dataset.liveOf];
      element.textContent = whole > 0 ? `${Math.floor((100 * snapshot[element.dataset.liveShare]) / whole)}%` : '—';
    }
    for (const element of bound(root, '[data-live-danger]')) {
      element.classList.toggle('text-danger', snapshot[element.dataset.liveDanger] > 0);
    }
  }
}

// An unobtrusive corner badge while the connection is down; the state is also on <html data-live-state>.
let indicator;
function setState(state) {
  document.documentElement.dataset.liveState = state;
  if (!indicator) {
    indicator = document.createElement('div');
    indicator.className = 'live-indicator badge text-bg-warning shadow-sm';
    indicator.setAttribute('role', 'status');
    indicator.dataset.testid = 'live-indicator';
    document.body.appendChild(indicator);
  }
  indicator.hidden = state === 'online';
  indicator.textContent = state === 'reconnecting' ? 'Reconnecting…' : state === 'offline' ? 'Offline: retrying' : 'Live';
}

function loadSignalR() {
  if (window.signalR) return Promise.resolve(window.signalR);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = signalrUrl;
    script.onload = () => resolve(window.signalR);
    script.onerror = () => reject(new Error('The SignalR client could not be loaded.'));
    document.head.appendChild(script);
  });
}

// (Re)subscribes and fetches the current state, so nothing missed while away stays stale.
async function watch(connection) {
  const all = roots();
  const inList = all.filter((root) => list?.contains(root));
  if (list) {
    await connection.invoke('WatchList');
    const ids = inList.map(idOf);
    if (ids.length > 0) (await connection.invoke('GetSnapshots', ids)).forEach(apply);
  }
  for (const root of all.filter((r) => !inList.includes(r))) {
    try {
      apply(await connection.invoke('WatchCampaign', idOf(root)));
    } catch (error) {
      // Deleted meanwhile: the page keeps what it showed.
      console.warn(error);
    }
  }
}

async function main() {
  if (roots().length === 0) return;
  const signalR = await loadSignalR();
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(hubUrl)
    .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 20000, 30000])
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  connection.on('progress', apply);
  connection.onreconnecting(() => setState('reconnecting'));
  connection.onreconnected(async () => {
    setState('online');
    try {
      await watch(connection);
    } catch (error) {
      console.warn(error);
    }
  });
  // Automatic reconnection gave up (or the first start failed): keep trying, more slowly.
  connection.onclose(() => {
    setState('offline');
    setTimeout(start, retryAfterGivingUp);
  });

  async function start() {
    if (connection.state !== signalR.HubConnectionState.Disconnected) return;
    try {
      await connection.start();
    } catch (error) {
      console.warn(error);
      setState('offline');
      setTimeout(start, retryAfterGivingUp);
      return;
    }
    setState('online');
    try {
      await watch(connection);
    } catch (error) {
      console.warn(error);
    }
  }
  await start();
}

main().catch((error) => console.warn(error));
