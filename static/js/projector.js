// Projector check-in screen: swap in the next QR code at each server time step.
//
// The server says what time it is (data-server-now-ms on each code fragment); this
// script keeps offset = serverNow - Date.now(), so a projector whose own clock is
// minutes off still rotates exactly on the server's 15 s step boundaries. The codes
// are stateless: a missed or repeated fetch never invalidates anything.
(function () {
  "use strict";

  var AFTER_BOUNDARY_MS = 300; // fetch just after the server has entered the new step
  var RETRY_MS = 2000;
  var offset = 0;
  var current = null;
  var timer = null;
  var wakeLock = null;

  function codeElement() {
    return document.getElementById("projector-code");
  }

  function serverNow() {
    return Date.now() + offset;
  }

  function nextBoundary(el) {
    return (Number(el.dataset.step) + 1) * Number(el.dataset.stepMs);
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(rotate, Math.max(delay, 200));
  }

  function rotate() {
    var el = codeElement();
    if (!el || !window.htmx) {
      return;
    }
    window.htmx.trigger(el, "rotate");
    schedule(RETRY_MS); // replaced by the next adopt(); retries if the network failed
  }

  function adopt(el) {
    current = el;
    offset = Number(el.dataset.serverNowMs) - Date.now();
    schedule(nextBoundary(el) - serverNow() + AFTER_BOUNDARY_MS);
    tick();
  }

  function tick() {
    var el = codeElement();
    if (!el) {
      return;
    }
    var left = Math.max(0, Math.ceil((nextBoundary(el) - serverNow()) / 1000));
    var span = el.querySelector("[data-seconds-left]");
    if (span && span.textContent !== String(left)) {
      span.textContent = String(left);
    }
  }

  function keepScreenOn() {
    // A phone held up as the projector must not dim; unsupported browsers just skip it.
    if (!("wakeLock" in navigator) || wakeLock) {
      return;
    }
    navigator.wakeLock.request("screen").then(function (lock) {
      wakeLock = lock;
      lock.addEventListener("release", function () {
        wakeLock = null;
      });
    }).catch(function () {});
  }

  function start() {
    var el = codeElement();
    if (!el || el === current) {
      return;
    }
    adopt(el);
    setInterval(tick, 250);
    keepScreenOn();
  }

  document.addEventListener("htmx:afterSettle", function () {
    var el = codeElement();
    if (el && el !== current) {
      adopt(el);
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && codeElement()) {
      rotate(); // after sleep the shown code may be stale: fetch at once
      keepScreenOn();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
