/* Web push in the service worker (loaded by sw.js with importScripts).

   push                   show the notification; tell open pages to refresh the bell
   notificationclick      open (or focus) the portal at the notification's URL, which
                          marks it read
   pushsubscriptionchange the browser renewed the subscription: send the new one to the
                          server (the token comes from /push/config, as the worker has
                          no page to read it from) */
'use strict';

var PORTAL_PUSH = {
  configUrl: '/push/config',
  subscribeUrl: '/push/subscribe',
  unsubscribeUrl: '/push/unsubscribe',
  fallbackUrl: '/inbox',
  fallbackTitle: '社区工作者自助服务'
};

function portalKeyBytes(base64url) {
  var padded = base64url.replace(/-/g, '+').replace(/_/g, '/');
  padded += '='.repeat((4 - (padded.length % 4)) % 4);
  var raw = atob(padded);
  var bytes = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

function portalSameOrigin(url) {
  try {
    var target = new URL(url || PORTAL_PUSH.fallbackUrl, self.location.origin);
    if (target.origin === self.location.origin) return target.href;
  } catch (e) { /* fall through */ }
  return new URL(PORTAL_PUSH.fallbackUrl, self.location.origin).href;
}

self.addEventListener('push', function (event) {
  var data = {};
  if (event.data) {
    try { data = event.data.json(); } catch (e) { data = { body: event.data.text() }; }
  }
  var options = {
    body: data.body || '',
    tag: data.tag || undefined,
    data: { url: portalSameOrigin(data.url) },
    lang: 'zh-CN'
  };
  if (data.icon) { options.icon = data.icon; options.badge = data.icon; }
  event.waitUntil(Promise.all([
    self.registration.showNotification(data.title || PORTAL_PUSH.fallbackTitle, options),
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (pages) {
      pages.forEach(function (page) { page.postMessage({ type: 'inbox-changed' }); });
    })
  ]));
});

self.addEventListener('notificationclick', function (event) {
  event.notification.close();
  var url = portalSameOrigin(event.notification.data && event.notification.data.url);
  event.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (pages) {
    for (var i = 0; i < pages.length; i += 1) {
      var page = pages[i];
      if (new URL(page.url).origin === self.location.origin && 'focus' in page) {
        return page.focus().then(function (focused) {
          if (focused && 'navigate' in focused) {
            return focused.navigate(url).catch(function () { return self.clients.openWindow(url); });
          }
          return self.clients.openWindow(url);
        });
      }
    }
    return self.clients.openWindow(url);
  }));
});

self.addEventListener('pushsubscriptionchange', function (event) {
  event.waitUntil(fetch(PORTAL_PUSH.configUrl, { credentials: 'same-origin' }).then(function (response) {
    return response.ok ? response.json() : null;
  }).then(function (config) {
    if (!config || !config.ok) return null; // signed out, or push switched off on the server
    var headers = { 'Content-Type': 'application/json', 'X-CSRFToken': config.csrfToken };
    var renewed = event.newSubscription
      ? Promise.resolve(event.newSubscription)
      : self.registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: portalKeyBytes(config.publicKey)
        });
    return renewed.then(function (subscription) {
      var forgetOld = event.oldSubscription
        ? fetch(PORTAL_PUSH.unsubscribeUrl, {
            method: 'POST', credentials: 'same-origin', headers: headers,
            body: JSON.stringify({ endpoint: event.oldSubscription.endpoint })
          })
        : Promise.resolve();
      return forgetOld.then(function () {
        return fetch(PORTAL_PUSH.subscribeUrl, {
          method: 'POST', credentials: 'same-origin', headers: headers,
          body: JSON.stringify(subscription.toJSON())
        });
      });
    });
  }).catch(function () { /* the settings page sends the subscription again on the next visit */ }));
});
