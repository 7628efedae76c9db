/* Notification settings: turn web push on or off for this browser.

   Subscribes with the server's VAPID public key (data-vapid-key) and sends the
   subscription to the server with the CSRF token in the X-CSRFToken header. Texts come
   from data-text-* attributes, already translated by the server. A subscription that
   already exists is sent again on every visit, so the server's copy stays current. */
(function () {
  'use strict';

  var WORKER_WAIT_MS = 10000;

  function keyBytes(base64url) {
    var padded = base64url.replace(/-/g, '+').replace(/_/g, '/');
    padded += '='.repeat((4 - (padded.length % 4)) % 4);
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function sameKey(subscription, wanted) {
    var key = subscription.options && subscription.options.applicationServerKey;
    if (!key) return true; // the browser does not say: assume it is ours
    var have = new Uint8Array(key);
    if (have.length !== wanted.length) return false;
    for (var i = 0; i < have.length; i += 1) if (have[i] !== wanted[i]) return false;
    return true;
  }

  function isIos() {
    return /iPad|iPhone|iPod/.test(navigator.userAgent) ||
      (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
  }

  function workerReady() {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { reject(new Error('no-worker')); }, WORKER_WAIT_MS);
      navigator.serviceWorker.ready.then(function (registration) {
        clearTimeout(timer);
        resolve(registration);
      });
    });
  }

  function init(panel) {
    if (panel.dataset.pushReady) return;
    panel.dataset.pushReady = '1';
    var status = panel.querySelector('[data-push-status]');
    var button = panel.querySelector('[data-push-toggle]');
    var text = panel.dataset;
    var key = keyBytes(panel.dataset.vapidKey);
    var current = null;

    function say(message) { status.textContent = message; }

    function send(url, body) {
      return fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': panel.dataset.csrf },
        body: JSON.stringify(body)
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) throw new Error(data.error || String(response.status));
          return data;
        });
      });
    }

    function show(subscription) {
      current = subscription;
      say(subscription ? text.textOn : text.textOff);
      button.textContent = subscription ? text.textTurnOff : text.textTurnOn;
      button.hidden = false;
      button.disabled = false;
    }

    function fail(error) {
      button.disabled = false;
      if (error && error.message === 'no-worker') { say(text.textNoWorker); return; }
      if (window.Notification && Notification.permission === 'denied') { say(text.textDenied); return; }
      say(text.textError + ' ' + (error && error.message ? error.message : ''));
    }

    function turnOn(registration) {
      return Notification.requestPermission().then(function (permission) {
        if (permission !== 'granted') throw new Error(text.textDenied);
        return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      }).then(function (subscription) {
        return send(panel.dataset.subscribeUrl, subscription.toJSON()).then(function () {
          return subscription;
        });
      });
    }

    function turnOff(subscription) {
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return send(panel.dataset.unsubscribeUrl, { endpoint: endpoint });
      }).then(function () { return null; });
    }

    var supported = 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
    if (!supported) { say(isIos() ? text.textIos : text.textUnsupported); return; }
    if (Notification.permission === 'denied') { say(text.textDenied); return; }

    button.addEventListener('click', function () {
      button.disabled = true;
      workerReady().then(function (registration) {
        return current ? turnOff(current) : turnOn(registration);
      }).then(show, fail);
    });

    workerReady().then(function (registration) {
      return registration.pushManager.getSubscription().then(function (subscription) {
        if (subscription && !sameKey(subscription, key)) {
          // The server's key changed: this subscription can no longer be used.
          return turnOff(subscription).then(function () { return null; });
        }
        if (subscription) return send(panel.dataset.subscribeUrl, subscription.toJSON()).then(function () { return subscription; });
        return null;
      });
    }).then(show, fail);
  }

  function start() {
    document.querySelectorAll('[data-push-panel]').forEach(init);
  }

  start();
  document.addEventListener('htmx:load', start);
})();
