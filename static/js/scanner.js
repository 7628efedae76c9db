/* The trainer's door scanner: camera → personal QR code → POST, with an offline queue.
 *
 * Decoding: BarcodeDetector where the browser has it (Android Chrome), else the vendored
 * jsQR 1.4.0 (loaded only then; Debian Chromium, iOS Safari, WeChat).
 *
 * No scan is lost: when the phone is offline, or the request fails on the network, the
 * scan (code, scan time on the server's clock, training, a client id) is stored in
 * IndexedDB and replayed on the `online` event, on page load, every 30 s while anything
 * is waiting, and with the "sync now" button. A queued scan is deleted only when the
 * server answers it (recorded or refused); the server treats a replay as "already".
 *
 * htmx swaps the body on navigation, so this file runs again on every visit: it starts on
 * the #scanner it finds, and stops the camera and its timers once that element is gone.
 * Hooks for tests and the console: window.portalScanner.{submit, sync, pending}.
 */
(function () {
  "use strict";

  var DB_NAME = "portal-checkin";
  var STORE = "scan_queue";
  var REPEAT_MS = 5000; // the same code seen again within this time is the same scan
  var DECODE_EVERY_MS = 120;
  var RETRY_EVERY_MS = 30000;
  var MAX_DECODE_WIDTH = 640;
  var SEND_TIMEOUT_MS = 10000;

  // -- the queue in IndexedDB (kept in memory when IndexedDB is unavailable) ----------

  var dbPromise = null;
  var memoryQueue = {};

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        if (!("indexedDB" in window)) {
          reject(new Error("no IndexedDB"));
          return;
        }
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, { keyPath: "client_id" });
        };
        request.onsuccess = function () {
          resolve(request.result);
        };
        request.onerror = function () {
          reject(request.error);
        };
      });
    }
    return dbPromise;
  }

  function withStore(mode, action) {
    return openDb().then(
      function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(STORE, mode);
          var request = action(tx.objectStore(STORE));
          tx.oncomplete = function () {
            resolve(request.result);
          };
          tx.onerror = tx.onabort = function () {
            reject(tx.error);
          };
        });
      },
      function () {
        return null; // the caller falls back to memory
      }
    );
  }

  var queue = {
    put: function (scan) {
      memoryQueue[scan.client_id] = scan;
      return withStore("readwrite", function (store) {
        return store.put(scan);
      })
        .then(function (stored) {
          if (stored !== null) delete memoryQueue[scan.client_id];
        })
        .catch(function () {}); // stays in memory: still sent while the page is open
    },
    all: function () {
      return withStore("readonly", function (store) {
        return store.getAll();
      })
        .catch(function () {
          return null;
        })
        .then(function (rows) {
          var byId = {};
          (rows || []).forEach(function (scan) {
            byId[scan.client_id] = scan;
          });
          Object.keys(memoryQueue).forEach(function (id) {
            byId[id] = memoryQueue[id];
          });
          return Object.keys(byId).map(function (id) {
            return byId[id];
          });
        });
    },
    remove: function (clientId) {
      delete memoryQueue[clientId];
      return withStore("readwrite", function (store) {
        return store.delete(clientId);
      });
    },
  };

  // -- helpers ------------------------------------------------------------------------

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map
      .call(b, function (x) {
        return (x + 0x100).toString(16).slice(1);
      })
      .join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (window.jsQR) {
        resolve();
        return;
      }
      var script = document.createElement("script");
      script.src = src;
      script.onload = function () {
        resolve();
      };
      script.onerror = function () {
        reject(new Error("could not load " + src));
      };
      document.head.appendChild(script);
    });
  }

  // -- the page -----------------------------------------------------------------------

  function start() {
    var root = document.getElementById("scanner");
    if (!root || root.dataset.started) return;
    root.dataset.started = "1";

    var msg = {};
    Object.keys(root.dataset).forEach(function (key) {
      if (key.indexOf("msg") === 0) msg[key.slice(3, 4).toLowerCase() + key.slice(4)] = root.dataset[key];
    });
    var submitUrl = root.dataset.submitUrl;
    var trainingId = Number(root.dataset.trainingId);
    var csrf = root.dataset.csrf;
    var prefix = root.dataset.codePrefix;
    var offsetMs = Number(root.dataset.serverNowMs) - Date.now();
    var lang = document.documentElement.lang || "zh-CN";

    var video = document.getElementById("scan-video");
    var statusEl = document.getElementById("scan-status");
    var resultEl = document.getElementById("scan-result");
    var countEl = document.getElementById("scan-count");
    var expectedEl = document.getElementById("scan-expected");
    var pendingEl = document.getElementById("scan-pending");
    var pendingText = pendingEl.querySelector("[data-pending-text]");
    var logEl = document.getElementById("scan-log");

    var stream = null;
    var lastText = null;
    var lastSeenAt = 0;
    var syncing = null;
    var retryTimer = null;

    function alive() {
      return document.body.contains(root);
    }

    function serverNow() {
      return Date.now() + offsetMs;
    }

    var cameraStatus = null; // what to say once back online: aim, or why there is no camera

    function setStatus(text) {
      statusEl.textContent = text;
    }

    function setCameraStatus(text) {
      cameraStatus = text;
      setStatus(navigator.onLine === false ? msg.offline : text);
    }

    function timeOf(iso) {
      var d = iso ? new Date(iso) : new Date(serverNow());
      return d.toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
    }

    // -- showing results

    function showResult(kind, initial, name, message) {
      resultEl.hidden = false;
      resultEl.className = "scan-result scan-" + kind;
      resultEl.querySelector("[data-initial]").textContent = initial || "?";
      resultEl.querySelector("[data-name]").textContent = name || "";
      resultEl.querySelector("[data-message]").textContent = message;
    }

    function addLog(kind, initial, name, message, scan) {
      var empty = logEl.querySelector("[data-empty]");
      if (empty) empty.remove();
      // A queued scan keeps its line; the server's answer replaces it when it comes.
      var li = null;
      Array.prototype.forEach.call(logEl.children, function (child) {
        if (child.dataset.clientId === scan.client_id) li = child;
      });
      if (!li) {
        li = document.createElement("li");
        li.dataset.clientId = scan.client_id;
        logEl.prepend(li);
      }
      li.className = "scan-" + kind;
      var avatar = document.createElement("span");
      avatar.className = "avatar small";
      avatar.setAttribute("aria-hidden", "true");
      avatar.textContent = initial || "?";
      var who = document.createElement("span");
      who.className = "scan-log-name";
      who.textContent = name || "";
      var what = document.createElement("span");
      what.className = "muted";
      what.textContent = timeOf(scan.scanned_at) + " · " + message;
      li.textContent = "";
      li.append(avatar, who, what);
      while (logEl.children.length > 30) logEl.lastElementChild.remove();
    }

    function showAnswer(data, scan, replayed) {
      var kind = data.ok ? (data.outcome === "checked_in" ? "ok" : "same") : "bad";
      var worker = data.worker || {};
      var message = replayed ? msg.synced + " · " + data.message : data.message;
      if (!replayed) showResult(kind, worker.initial, worker.name, message);
      addLog(kind, worker.initial, worker.name, message, scan);
      if (typeof data.count === "number") countEl.textContent = String(data.count);
      if (typeof data.expected === "number") expectedEl.textContent = String(data.expected);
      if (data.ok && navigator.vibrate) navigator.vibrate(60);
    }

    function refreshPending() {
      return queue.all().then(function (rows) {
        var n = rows.length;
        pendingEl.dataset.count = String(n);
        pendingEl.hidden = n === 0;
        pendingText.textContent = msg.pending.replace("{n}", String(n));
        return n;
      });
    }

    // -- talking to the server

    function send(scan) {
      var sentAt = Date.now();
      // A door with one bar of signal: give up after a while and keep the scan instead.
      var controller = window.AbortController ? new AbortController() : null;
      var timeout = controller ? setTimeout(controller.abort.bind(controller), SEND_TIMEOUT_MS) : null;
      return fetch(scan.url, {
        method: "POST",
        signal: controller ? controller.signal : undefined,
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrf,
        },
        body: JSON.stringify({ code: scan.code, scanned_at: scan.scanned_at, client_id: scan.client_id }),
      }).then(
        function (response) {
          var type = response.headers.get("Content-Type") || "";
          var parsed = type.indexOf("application/json") === 0 ? response.json() : Promise.resolve(null);
          return parsed
            .catch(function () {
              return null;
            })
            .then(function (data) {
              if (data && typeof data.outcome === "string") {
                if (data.server_now_ms) offsetMs = data.server_now_ms - (sentAt + Date.now()) / 2;
                return { answered: true, data: data };
              }
              // A login page, a CSRF refusal, a server error: not an answer about this scan.
              return { answered: false, network: false };
            });
        },
        function () {
          return { answered: false, network: true };
        }
      ).then(function (result) {
        clearTimeout(timeout);
        return result;
      });
    }

    function keep(scan, network) {
      return queue.put(scan).then(function () {
        var message = network ? msg.queued : msg.session;
        showResult("queued", "…", msg.waiting, message);
        addLog("queued", "…", msg.waiting, message, scan);
        armRetry();
        return refreshPending();
      });
    }

    function submit(code) {
      var scan = {
        client_id: uuid(),
        code: code,
        scanned_at: new Date(serverNow()).toISOString(),
        training_id: trainingId,
        url: submitUrl,
      };
      if (navigator.onLine === false) {
        return keep(scan, true).then(function () {
          return { outcome: "queued" };
        });
      }
      return send(scan).then(function (result) {
        if (result.answered) {
          showAnswer(result.data, scan, false);
          return result.data;
        }
        return keep(scan, result.network).then(function () {
          return { outcome: "queued" };
        });
      });
    }

    function replay(rows) {
      // One at a time, in scan order; stop at the first network failure.
      rows.sort(function (a, b) {
        return a.scanned_at < b.scanned_at ? -1 : 1;
      });
      var sent = 0;
      var chain = Promise.resolve(true);
      rows.forEach(function (scan) {
        chain = chain.then(function (goOn) {
          if (!goOn || navigator.onLine === false) return false;
          return send(scan).then(function (result) {
            if (result.network) return false;
            if (!result.answered) return true; // kept: try the others
            return queue.remove(scan.client_id).then(function () {
              sent += 1;
              showAnswer(result.data, scan, true);
              return refreshPending().then(function () {
                return true;
              });
            });
          });
        });
      });
      return chain.then(function () {
        return sent;
      });
    }

    function sync() {
      if (syncing) return syncing;
      var run = function () {
        return queue.all().then(replay);
      };
      var locked =
        navigator.locks && navigator.locks.request
          ? navigator.locks.request("portal-scan-sync", run) // one tab replays at a time
          : run();
      syncing = locked
        .catch(function () {
          return 0;
        })
        .then(function (sent) {
          syncing = null;
          return refreshPending().then(function (left) {
            if (left) armRetry();
            if (sent && resultEl.classList.contains("scan-queued")) {
              showResult(left ? "queued" : "ok", "✓", msg.synced, msg.sentCount.replace("{n}", String(sent)));
            }
            return { sent: sent, pending: left };
          });
        });
      return syncing;
    }

    function armRetry() {
      if (retryTimer) return;
      retryTimer = setInterval(function () {
        if (!alive()) {
          clearInterval(retryTimer);
          return;
        }
        refreshPending().then(function (n) {
          if (n === 0) {
            clearInterval(retryTimer);
            retryTimer = null;
          } else if (navigator.onLine !== false) {
            sync();
          }
        });
      }, RETRY_EVERY_MS);
    }

    function onOnline() {
      if (!alive()) {
        window.removeEventListener("online", onOnline);
        return;
      }
      setStatus(cameraStatus || msg.opening);
      sync();
    }

    function onOffline() {
      if (!alive()) {
        window.removeEventListener("offline", onOffline);
        return;
      }
      setStatus(msg.offline);
    }

    // -- camera and decoding

    function makeDecoder() {
      var viaDetector = Promise.resolve(null);
      if ("BarcodeDetector" in window) {
        viaDetector = window.BarcodeDetector.getSupportedFormats()
          .then(function (formats) {
            if (formats.indexOf("qr_code") < 0) return null;
            var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
            return function (source) {
              return detector.detect(source).then(function (codes) {
                return codes.length ? codes[0].rawValue : null;
              });
            };
          })
          .catch(function () {
            return null;
          });
      }
      return viaDetector.then(function (decode) {
        if (decode) return decode;
        return loadScript(root.dataset.jsqrUrl).then(function () {
          var canvas = document.createElement("canvas");
          var context = canvas.getContext("2d", { willReadFrequently: true });
          return function (source) {
            var w = source.videoWidth;
            var h = source.videoHeight;
            if (!w || !h) return Promise.resolve(null);
            var scale = Math.min(1, MAX_DECODE_WIDTH / Math.max(w, h));
            canvas.width = Math.round(w * scale);
            canvas.height = Math.round(h * scale);
            context.drawImage(source, 0, 0, canvas.width, canvas.height);
            var image = context.getImageData(0, 0, canvas.width, canvas.height);
            var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
            return Promise.resolve(found ? found.data : null);
          };
        });
      });
    }

    function stopCamera() {
      if (stream) {
        stream.getTracks().forEach(function (track) {
          track.stop();
        });
        stream = null;
      }
    }

    function onText(text) {
      var now = Date.now();
      if (text === lastText && now - lastSeenAt < REPEAT_MS) {
        lastSeenAt = now;
        return;
      }
      lastText = text;
      lastSeenAt = now;
      if (text.indexOf(prefix) !== 0) {
        showResult("bad", "?", "", msg.notACode);
        return;
      }
      submit(text);
    }

    function scanLoop(decode) {
      if (!alive()) {
        stopCamera();
        return;
      }
      if (document.hidden || video.readyState < 2) {
        setTimeout(scanLoop, 250, decode);
        return;
      }
      decode(video)
        .then(function (text) {
          if (text) onText(text);
        })
        .catch(function () {})
        .then(function () {
          setTimeout(scanLoop, DECODE_EVERY_MS, decode);
        });
    }

    function startCamera() {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        setCameraStatus(msg.noCamera);
        return;
      }
      setStatus(msg.opening);
      navigator.mediaDevices
        .getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (media) {
          if (!alive()) {
            media.getTracks().forEach(function (track) {
              track.stop();
            });
            return null;
          }
          stream = media;
          video.srcObject = media;
          var playing = video.play();
          return Promise.resolve(playing)
            .catch(function () {})
            .then(makeDecoder);
        })
        .then(function (decode) {
          if (!decode) return;
          setCameraStatus(msg.aim);
          scanLoop(decode);
        })
        .catch(function () {
          setCameraStatus(msg.cameraDenied);
        });
    }

    document.getElementById("scan-sync").addEventListener("click", function () {
      sync();
    });
    window.addEventListener("online", onOnline);
    window.addEventListener("offline", onOffline);
    window.addEventListener("pagehide", stopCamera);

    window.portalScanner = {
      submit: submit,
      sync: sync,
      pending: refreshPending,
    };

    refreshPending().then(function (n) {
      if (n && navigator.onLine !== false) sync();
      else if (n) armRetry();
    });
    startCamera();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
