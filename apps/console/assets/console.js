/* Progressive enhancement only: every page works without it. Copy buttons, and the decisions chart drawn by
 * chart.js from the table that stays beside it. */
(function () {
  'use strict';
  document.querySelectorAll('[data-copy]').forEach(function (button) {
    button.addEventListener('click', function () {
      var input = document.getElementById(button.getAttribute('data-copy'));
      var status = document.querySelector('[data-copied-for="' + input.id + '"]');
      var done = function () { if (status) status.textContent = 'Copied.'; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
      } else {
        input.select();
      }
    });
  });

  var table = document.querySelector('table[data-chart]');
  if (!table || typeof window.Chart === 'undefined') return;
  var reasons = Array.prototype.map.call(table.querySelectorAll('thead th'), function (th) { return th.textContent; }).slice(1);
  if (reasons.length === 0) return;
  var rows = Array.prototype.slice.call(table.querySelectorAll('tbody tr'));
  var labels = rows.map(function (row) { return row.querySelector('th').textContent; });
  var palette = ['#0b5cad', '#a00000', '#116329', '#b35c00', '#6b21a8', '#0e7490', '#4b5563', '#be185d'];
  var datasets = reasons.map(function (reason, i) {
    return {
      label: reason,
      backgroundColor: palette[i % palette.length],
      data: rows.map(function (row) { return Number(row.querySelectorAll('td')[i].textContent); }),
    };
  });
  var canvas = document.getElementById(table.getAttribute('data-chart'));
  canvas.parentElement.hidden = false;
  // eslint-disable-next-line no-new
  new window.Chart(canvas, {
    type: 'bar',
    data: { labels: labels, datasets: datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
})();
