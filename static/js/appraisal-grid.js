/* Appraisal grid: each row saves itself through htmx (hx-post on change).
   The server answers a refused row with 422/409 and the row showing why: swap it in.
   Anything else that is not a row (a network failure, a server error, the login page
   after the session expired) leaves the row as typed and marks it "not saved". */
(function () {
  'use strict';
  if (window.portalAppraisalGrid) { return; }  // boosted navigation loads this script again
  window.portalAppraisalGrid = true;

  function rowOf(event) {
    var elt = event.detail && event.detail.elt;
    return elt && elt.closest ? elt.closest('.appraisal-grid .grid-row') : null;
  }

  function markFailed(row) {
    var grid = row.closest('.appraisal-grid');
    var result = row.querySelector('.row-status .result');
    row.classList.remove('is-saved', 'is-unchanged');
    row.classList.add('is-failed');
    if (result && grid) {
      result.textContent = grid.dataset.failed;
      result.setAttribute('role', 'alert');
    }
  }

  document.addEventListener('htmx:beforeSwap', function (event) {
    var row = rowOf(event);
    if (!row) { return; }
    var xhr = event.detail.xhr;
    var isRow = (xhr.responseText || '').indexOf('class="grid-row') !== -1;
    if ((xhr.status === 200 || xhr.status === 422 || xhr.status === 409) && isRow) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    event.detail.shouldSwap = false;
    event.detail.isError = false;
    markFailed(row);
  });

  ['htmx:sendError', 'htmx:timeout'].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var row = rowOf(event);
      if (row) { markFailed(row); }
    });
  });
})();
