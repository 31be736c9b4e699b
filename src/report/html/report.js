
(function () {
  'use strict';
  var box = document.getElementById('filter');
  var accepted = document.getElementById('show-accepted');
  var shown = document.getElementById('shown');
  var severities = Array.prototype.slice.call(document.querySelectorAll('input.severity'));
  var items = Array.prototype.slice.call(document.querySelectorAll('[data-filter]'));
  var texts = items.map(function (el) { return el.textContent.toLowerCase(); });
  var timer = null;
  function apply() {
    var query = box.value.trim().toLowerCase();
    var allowed = {};
    severities.forEach(function (c) { allowed[c.value] = c.checked; });
    var total = 0, visible = 0;
    items.forEach(function (el, i) {
      var ok = query === '' || texts[i].indexOf(query) !== -1;
      if (el.hasAttribute('data-finding')) {
        total += 1;
        ok = ok && allowed[el.getAttribute('data-severity')] !== false &&
          (accepted.checked || el.getAttribute('data-standing') === 'open');
        if (ok) { visible += 1; }
      }
      el.hidden = !ok;
    });
    shown.textContent = visible === total ? total + ' finding(s)' : visible + ' of ' + total + ' finding(s) shown';
  }
  function later() {
    if (timer !== null) { clearTimeout(timer); }
    timer = setTimeout(apply, 120);
  }
  function openAll(open) {
    Array.prototype.forEach.call(document.querySelectorAll('details'), function (d) { d.open = open; });
  }
  box.addEventListener('input', later);
  accepted.addEventListener('change', apply);
  severities.forEach(function (c) { c.addEventListener('change', apply); });
  document.getElementById('expand').addEventListener('click', function () { openAll(true); });
  document.getElementById('collapse').addEventListener('click', function () { openAll(false); });
  apply();
}());
