// Trainer pages. Loaded again after each boosted navigation: set up once.
(function () {
  'use strict';
  if (window.portalTraining) return;
  window.portalTraining = true;

  // The live roster polls every 5 s: skip while the tab is hidden or a row is open for marking.
  document.addEventListener('htmx:beforeRequest', function (event) {
    var elt = event.detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute('data-poll')) return;
    if (document.hidden || elt.querySelector('[data-editing]')) event.preventDefault();
  });
  // Back on the tab: refresh at once instead of waiting for the next tick.
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden && document.querySelector('[data-poll]') && window.htmx) {
      window.htmx.trigger(document.body, 'roster-changed');
    }
  });

  // Refused marks come back as 409/422 with the form and its message: show them.
  document.addEventListener('htmx:beforeSwap', function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // <input data-filter="#list">: hide the [data-filter-text] items of #list that do not match.
  function applyFilter(input) {
    var list = document.querySelector(input.getAttribute('data-filter'));
    if (!list) return;
    var query = input.value.trim().toLowerCase();
    list.querySelectorAll('[data-filter-text]').forEach(function (item) {
      var text = item.getAttribute('data-filter-text').toLowerCase();
      item.hidden = query !== '' && text.indexOf(query) === -1;
    });
  }
  document.addEventListener('input', function (event) {
    if (event.target.matches && event.target.matches('[data-filter]')) applyFilter(event.target);
  });
  // The roster refreshes under the filter: apply it to the new rows.
  document.addEventListener('htmx:afterSettle', function () {
    document.querySelectorAll('[data-filter]').forEach(applyFilter);
  });
})();
