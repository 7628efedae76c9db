/* 我的签到码: swap in the next personal code as each 30 s step begins on the SERVER's clock.
 *
 * The panel is an htmx fragment (hx-trigger="rotate"); this script fires "rotate" just
 * after each step boundary. Every panel carries the server time it was rendered at, so a
 * phone whose clock is wrong still rotates on time. If a refresh fails (weak signal) it
 * is tried again a few seconds later: the code on screen stays valid for one more step.
 *
 * htmx swaps the body on navigation, so this file may run again on a later visit: it keeps
 * one set of timers (on window) and stops them once the panel has left the page.
 */
(function () {
  "use strict";

  var REFRESH_MARGIN_MS = 300; // ask just after the boundary, not just before it
  var RETRY_MS = 4000;

  var state = window.portalMyCode || (window.portalMyCode = {});
  clearTimeout(state.refreshTimer);
  clearTimeout(state.tickTimer);
  state.offsetMs = 0;
  state.stepMs = 30000;

  function panel() {
    return document.getElementById("mycode-panel");
  }

  function serverNow() {
    return Date.now() + state.offsetMs;
  }

  function schedule(delayMs) {
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(rotate, Math.max(500, delayMs));
  }

  function rotate() {
    var el = panel();
    if (!el || !window.htmx) return;
    window.htmx.trigger(el, "rotate");
    schedule(RETRY_MS); // replaced by the next step's schedule once the new panel arrives
  }

  function adopt(el) {
    // A new panel: its server time gives the offset and the next boundary.
    el.dataset.adopted = "1";
    state.offsetMs = Number(el.dataset.serverNowMs) - Date.now();
    state.stepMs = Number(el.dataset.stepMs) || state.stepMs;
    schedule(state.stepMs - (serverNow() % state.stepMs) + REFRESH_MARGIN_MS);
  }

  function stop() {
    clearTimeout(state.refreshTimer);
    clearTimeout(state.tickTimer);
    if (state.wakeLock) state.wakeLock.release().catch(function () {});
    state.wakeLock = null;
  }

  function tick() {
    var el = panel();
    if (!el) {
      stop();
      return;
    }
    if (!el.dataset.adopted) adopt(el);
    var left = Math.ceil((state.stepMs - (serverNow() % state.stepMs)) / 1000);
    var counter = el.querySelector("[data-countdown]");
    if (counter) counter.textContent = String(left);
    var bar = el.querySelector("progress");
    if (bar) bar.value = left;
    state.tickTimer = setTimeout(tick, 1000 - (serverNow() % 1000) + 20);
  }

  function keepScreenOn() {
    // The worker holds the phone up at the door: do not let the screen dim meanwhile.
    if (!("wakeLock" in navigator) || document.hidden || state.wakeLock) return;
    navigator.wakeLock
      .request("screen")
      .then(function (lock) {
        state.wakeLock = lock;
        lock.addEventListener("release", function () {
          state.wakeLock = null;
        });
      })
      .catch(function () {});
  }

  if (!state.listening) {
    state.listening = true;
    document.addEventListener("visibilitychange", function () {
      if (document.hidden || !panel()) return;
      // Timers sleep while the screen is off: fetch a current code at once.
      rotate();
      keepScreenOn();
    });
  }

  function start() {
    if (!panel()) return;
    keepScreenOn();
    tick();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
