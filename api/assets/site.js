// Progressive enhancement only: every page works without this script.
// The staff product list searches as one types: the form is submitted a moment after the
// last key in its search box, and the focus and caret come back to the box.
(function () {
  var box = document.querySelector('form.filters input[type=search]');
  if (!box) return;
  var timer = null;
  box.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      try { sessionStorage.setItem('ocop-search-focus', '1'); } catch (e) {}
      box.form.submit();
    }, 400);
  });
  try {
    if (sessionStorage.getItem('ocop-search-focus') === '1') {
      sessionStorage.removeItem('ocop-search-focus');
      box.focus();
      var end = box.value.length;
      box.setSelectionRange(end, end);
    }
  } catch (e) {}
})();

// A document's SHA-256 and size, computed in the browser from the file chosen on its row:
// the file itself is never sent.
(function () {
  if (!window.crypto || !crypto.subtle) return;
  document.querySelectorAll('input[type=file].digest').forEach(function (input) {
    input.addEventListener('change', function () {
      var file = input.files && input.files[0];
      if (!file) return;
      var row = input.getAttribute('data-row');
      file.arrayBuffer().then(function (bytes) {
        return crypto.subtle.digest('SHA-256', bytes);
      }).then(function (digest) {
        var hex = Array.prototype.map.call(new Uint8Array(digest), function (b) {
          return ('0' + b.toString(16)).slice(-2);
        }).join('');
        var set = function (suffix, value) {
          var el = document.getElementById(row + '-' + suffix);
          if (el) el.value = value;
        };
        set('sha256', hex);
        set('size_bytes', String(file.size));
        var title = document.getElementById(row + '-title');
        if (title && !title.value) title.value = file.name;
      });
    });
  });
})();

// The scorecard grid: each row's total as it is typed, a part over its maximum marked,
// and a warning when the totals spread wider than the council's limit.
(function () {
  var grid = document.querySelector('form.scorecards');
  if (!grid) return;
  var max = { a: +grid.dataset.maxA, b: +grid.dataset.maxB, c: +grid.dataset.maxC };
  var limit = grid.dataset.spread === '' ? null : +grid.dataset.spread;
  var warning = grid.querySelector('.spread-warning');
  function update() {
    var totals = [];
    grid.querySelectorAll('tbody tr').forEach(function (row) {
      var sum = 0, filled = 0;
      ['a', 'b', 'c'].forEach(function (part) {
        var input = row.querySelector('input[name$=".part_' + part + '"]');
        if (!input) return;
        var text = input.value.trim();
        if (text === '') { input.removeAttribute('data-over'); return; }
        var n = Number(text);
        filled += 1;
        sum += isNaN(n) ? 0 : n;
        if (n > max[part]) input.setAttribute('data-over', '1'); else input.removeAttribute('data-over');
      });
      var out = row.querySelector('output.total');
      if (out) out.textContent = filled ? String(sum) : '—';
      if (filled === 3) totals.push(sum);
    });
    var text = '';
    if (limit !== null && totals.length > 1) {
      var spread = Math.max.apply(null, totals) - Math.min.apply(null, totals);
      if (spread > limit) {
        text = 'Cảnh báo: tổng điểm các phiếu chênh nhau ' + spread + ' điểm, vượt mức ' + limit + ' điểm của hội đồng.';
      }
    }
    warning.textContent = text;
  }
  grid.addEventListener('input', update);
  update();
})();

// The legacy list upload: the chosen file's text goes into the form's text box.
(function () {
  document.querySelectorAll('input[type=file][data-into]').forEach(function (input) {
    input.addEventListener('change', function () {
      var file = input.files && input.files[0];
      if (!file) return;
      file.text().then(function (text) {
        var box = document.getElementById(input.getAttribute('data-into'));
        if (box) box.value = text.replace(/^\uFEFF/, '');
        var name = document.getElementById(input.getAttribute('data-name-into'));
        if (name && !name.value) name.value = file.name;
      });
    });
  });
})();
