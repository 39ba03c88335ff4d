// Yizhan console: queue auto-refresh with a sound for new help calls, notice preview,
// station pickers and confirmations. No inline script anywhere (CSP: script-src 'self').
(function () {
  "use strict";
  var audio = null;

  function soundOn() { return window.localStorage.getItem("yz-sound") === "on"; }

  function beep() {
    if (!soundOn()) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.35, 0.7].forEach(function (at) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = 880; osc.type = "square";
        gain.gain.setValueAtTime(0.15, audio.currentTime + at);
        gain.gain.setValueAtTime(0, audio.currentTime + at + 0.2);
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(audio.currentTime + at); osc.stop(audio.currentTime + at + 0.22);
      });
      document.body.setAttribute("data-beeped", String(Date.now()));
    } catch (e) { /* no audio device: the red band still shows */ }
  }

  function setupSoundToggle() {
    var btn = document.getElementById("sound-toggle");
    if (!btn) return;
    var paint = function () { btn.textContent = soundOn() ? btn.dataset.on : btn.dataset.off; };
    paint();
    btn.addEventListener("click", function () {
      window.localStorage.setItem("yz-sound", soundOn() ? "off" : "on");
      paint();
      if (soundOn()) beep();  // a click is the user gesture browsers want before playing audio
    });
  }

  function helpIds(root) {
    var band = root.querySelector(".helpcalls");
    var raw = band ? band.getAttribute("data-help-ids") : "";
    return raw ? raw.split(" ").filter(Boolean) : [];
  }

  function setupQueue() {
    var live = document.getElementById("live");
    if (!live) return;
    var seen = helpIds(live);
    var base = document.title;
    var paintTitle = function (n) { document.title = n ? "(" + n + ") " + base : base; };
    paintTitle(seen.length);
    var every = Math.max(2, parseInt(live.dataset.refresh || "15", 10)) * 1000;
    var tick = function () {
      fetch(live.dataset.src, { headers: { "X-Console-Poll": "1" }, credentials: "same-origin" })
        .then(function (r) {
          if (r.status === 401) { window.location.href = "/console/login?next=" + encodeURIComponent(location.pathname + location.search); return null; }
          return r.ok ? r.text() : null;
        })
        .then(function (html) {
          if (html === null || html === undefined) return;
          live.innerHTML = html;
          var now = helpIds(live), fresh = now.filter(function (id) { return seen.indexOf(id) < 0; });
          fresh.forEach(function (id) {
            var a = live.querySelector('.helpcall[data-id="' + id + '"]');
            if (a) a.classList.add("fresh");
          });
          if (fresh.length) beep();
          seen = now;
          paintTitle(now.length);
        })
        .catch(function () { /* hub unreachable for a moment: try again next tick */ });
    };
    window.setInterval(tick, every);
  }

  function setupNoticePreview() {
    var pairs = [["notice-title", "preview-title"], ["notice-body", "preview-body"]];
    pairs.forEach(function (p) {
      var input = document.getElementById(p[0]), out = document.getElementById(p[1]);
      if (!input || !out) return;
      var paint = function () { out.textContent = input.value.trim() || out.dataset.empty; };
      input.addEventListener("input", paint);
      paint();
    });
  }

  function setupAudience() {
    document.querySelectorAll("fieldset.audience").forEach(function (fs) {
      var paint = function () {
        var some = fs.querySelector('input[name="audience"][value="some"]');
        fs.classList.toggle("some", !!(some && some.checked));
      };
      fs.addEventListener("change", paint);
      paint();
    });
  }

  function setupConfirm() {
    document.addEventListener("click", function (ev) {
      var el = ev.target.closest("[data-confirm]");
      if (el && !window.confirm(el.getAttribute("data-confirm"))) ev.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupSoundToggle(); setupQueue(); setupNoticePreview(); setupAudience(); setupConfirm();
  });
})();
