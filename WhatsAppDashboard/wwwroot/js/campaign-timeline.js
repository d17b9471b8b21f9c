// The campaign page's timeline: draws a line chart (Chart.js, loaded by the page as a classic script) for every
// canvas carrying its numbers in data-timeline. Without this script the page still shows the same numbers as a table.

const series = [
  { key: 'sent', label: 'Sent', color: '#0d6efd' },
  { key: 'delivered', label: 'Delivered', color: '#20c997' },
  { key: 'read', label: 'Read', color: '#198754' },
  { key: 'failed', label: 'Failed', color: '#dc3545' },
];

function draw(canvas) {
  let data;
  try {
    data = JSON.parse(canvas.dataset.timeline);
  } catch {
    return;
  }
  const crowded = data.labels.length > 30;
  new window.Chart(canvas, {
    type: 'line',
    data: {
      labels: data.labels,
      datasets: series.map((s) => ({
        label: s.label,
        data: data[s.key],
        borderColor: s.color,
        backgroundColor: s.color,
        borderWidth: 2,
        pointRadius: crowded ? 0 : 2,
        cubicInterpolationMode: 'monotone',
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { ticks: { autoSkip: true, maxRotation: 0 } },
        y: { beginAtZero: true, ticks: { precision: 0 } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

if (window.Chart) {
  // Axis text and grid lines in the page's own colours, so the chart reads in the dark theme too.
  const page = getComputedStyle(document.documentElement);
  window.Chart.defaults.color = page.getPropertyValue('--bs-secondary-color').trim() || window.Chart.defaults.color;
  window.Chart.defaults.borderColor = page.getPropertyValue('--bs-border-color-translucent').trim() || window.Chart.defaults.borderColor;
  for (const canvas of document.querySelectorAll('canvas[data-timeline]')) {
    draw(canvas);
  }
}
