/* The header bell: when a push message arrives while the portal is open, the service
   worker tells the page, and the bell refreshes at once (it also polls every 60 s). */
(function () {
  'use strict';
  if (window.portalInboxBell) return; // boosted navigation runs this file again
  window.portalInboxBell = true;
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', function (event) {
    if (event.data && event.data.type === 'inbox-changed') {
      document.body.dispatchEvent(new CustomEvent('inbox-changed', { bubbles: true }));
    }
  });
})();
