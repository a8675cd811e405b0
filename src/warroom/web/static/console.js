// warroom console: local times, live refresh of marked regions. No framework, no build step.
(function () {
  "use strict";

  // <time datetime="ISO" title="... UTC">: show the reader's local time, keep UTC on hover.
  function localTimes(root) {
    var fmt = new Intl.DateTimeFormat(undefined, {
      year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
    });
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      if (el.dataset.local) return;
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      el.textContent = fmt.format(when);
      el.dataset.local = "1";
    });
  }

  function ids(el) {
    var out = {};
    el.querySelectorAll("[data-id]").forEach(function (row) { out[row.dataset.id] = true; });
    return out;
  }

  // Regions with data-refresh-url are re-fetched every data-refresh-seconds and swapped in
  // place (focus and scroll stay where they are). New rows get a highlight and are announced.
  function live(el) {
    var url = el.dataset.refreshUrl;
    var every = Math.max(parseFloat(el.dataset.refreshSeconds || "5"), 0.2) * 1000;
    var state = document.getElementById("live-state");
    function tick() {
      if (document.hidden) { return setTimeout(tick, every); }
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (res) {
          if (res.status === 401) { window.location = "/login?next=" + encodeURIComponent(location.pathname + location.search); return null; }
          if (!res.ok) throw new Error("HTTP " + res.status);
          return res.text();
        })
        .then(function (html) {
          if (html === null) return;
          var before = ids(el);
          if (el.dataset.last !== html) {
            el.innerHTML = html;
            el.dataset.last = html;
            localTimes(el);
            var fresh = 0;
            el.querySelectorAll("[data-id]").forEach(function (row) {
              if (!before[row.dataset.id]) { row.classList.add("fresh"); fresh += 1; }
            });
            if (state && fresh) state.textContent = fresh + " new incident" + (fresh > 1 ? "s" : "");
          }
          setTimeout(tick, every);
        })
        .catch(function () {
          if (state) state.textContent = "Live updates paused: server unreachable, retrying.";
          setTimeout(tick, every * 2);
        });
    }
    el.dataset.last = "";
    setTimeout(tick, every);
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    document.querySelectorAll("[data-refresh-url]").forEach(live);
  });
})();
