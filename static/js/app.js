/* The installable app, page side: registers the service worker, clears its caches on
 * logout, sends offline boosted links to the offline page, and shows the iOS Safari
 * "add to home screen" hint. Loaded with defer from templates/pwa/_head.html.
 */
(function () {
  'use strict';

  const script = document.currentScript;
  const swUrl = script && script.dataset.swUrl;
  const logoutUrl = script && script.dataset.logoutUrl;
  const offlineUrl = script && script.dataset.offlineUrl;
  const homeUrl = (script && script.dataset.homeUrl) || '/';
  const HINT_DISMISSED = 'portal.iosHintDismissed';

  // Service worker ---------------------------------------------------------------

  const hasWorker = 'serviceWorker' in navigator && window.isSecureContext;

  if (hasWorker && swUrl) {
    // After load: the page's own requests come first on a weak network.
    window.addEventListener('load', function () {
      navigator.serviceWorker
        .register(swUrl, { scope: '/', updateViaCache: 'none' })
        .catch(function () { /* no offline page then; the app works without it */ });
    });
  }

  function tellWorker(message) {
    if (!hasWorker) return;
    if (navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage(message);
      return;
    }
    navigator.serviceWorker.getRegistration().then(function (registration) {
      if (registration && registration.active) registration.active.postMessage(message);
    });
  }

  // Logout: the next person on this phone must find nothing of the last one.
  document.addEventListener('submit', function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !logoutUrl) return;
    if (new URL(form.action, location.href).pathname === logoutUrl) {
      tellWorker({ type: 'logout' });
    }
  }, true);

  // A boosted link that cannot reach the server: navigate for real, so the service
  // worker can answer with the offline page instead of nothing happening.
  document.addEventListener('htmx:sendError', function (event) {
    const detail = event.detail || {};
    const config = detail.requestConfig || {};
    const path = detail.pathInfo && detail.pathInfo.finalRequestPath;
    if (detail.boosted && config.verb === 'get' && path) {
      window.location.assign(path);
    }
  });

  // Offline page: retry the page that failed (or go home from /offline itself).
  function retry() {
    if (location.pathname === offlineUrl) {
      location.assign(homeUrl);
    } else {
      location.reload();
    }
  }

  document.addEventListener('click', function (event) {
    const target = event.target instanceof Element ? event.target : null;
    if (target && target.closest('[data-retry]')) retry();
  });

  window.addEventListener('online', function () {
    if (document.querySelector('[data-retry]')) retry();
  });

  // iOS hint -----------------------------------------------------------------------

  // Safari itself: other iOS browsers and in-app browsers (WeChat, WeCom, DingTalk)
  // cannot add a web app to the home screen the same way.
  function isIosSafari() {
    const ua = navigator.userAgent;
    const ios = /iPhone|iPad|iPod/.test(ua) ||
      (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
    const safari = /Version\/[\d.]+.*Safari\//.test(ua) &&
      !/CriOS|FxiOS|EdgiOS|OPiOS|YaBrowser|MicroMessenger|wxwork|DingTalk|QQ\/|Weibo/i.test(ua);
    return ios && safari && navigator.standalone !== true;
  }

  function hintDismissed() {
    try {
      return window.localStorage.getItem(HINT_DISMISSED) === '1';
    } catch (error) {
      return false;
    }
  }

  function dismissHint(hint) {
    try {
      window.localStorage.setItem(HINT_DISMISSED, '1');
    } catch (error) { /* private mode: hide it for this page at least */ }
    hint.remove();
    document.body.classList.remove('has-ios-hint');
  }

  function showIosHint() {
    const template = document.getElementById('pwa-ios-hint');
    if (!template || !document.body || document.querySelector('.ios-hint')) return;
    if (!isIosSafari() || hintDismissed()) return;
    document.body.appendChild(template.content.cloneNode(true));
    document.body.classList.add('has-ios-hint');
    const hint = document.body.querySelector('.ios-hint');
    hint.querySelector('[data-dismiss-ios-hint]').addEventListener('click', function () {
      dismissHint(hint);
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', showIosHint);
  } else {
    showIosHint();
  }
  // Boosted navigation replaces the body: put the hint back until it is dismissed.
  document.addEventListener('htmx:afterSettle', showIosHint);
})();
