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
