// gomemlab HTML report: each run's plot made interactive with uPlot (inlined
// before this script). Zoom: drag across the plot or turn the wheel; pan:
// shift+drag or the horizontal wheel; back: double-click or "whole run".
// Hover: t, RSS, window peak, VmSize at the cursor, the Go view at the
// nearest phase and the events (GC, scavenger...) under it. The events are
// ticks on a row each in a panel of their own, toggled in its legend like a
// series. A button per phase zooms to it (from the phase before).
// Test hooks (used by tests/html.rs): #test-zoom=PHASE[@N] zooms the first
// plot (from plot N on) that has PHASE to it, hovers the phase and writes
// what the tooltip reads into the pre element #test-read; #test-view=N
// shows plot N alone (for screenshots).
(function () {
  "use strict";
  var MIB = " MiB";
  var plots = [];

  function fmt(v, digits) {
    return v == null || isNaN(v) ? "–" : v.toFixed(digits);
  }

  // The index of the value in sorted `arr` nearest to `x`.
  function nearest(arr, x) {
    var lo = 0, hi = arr.length - 1;
    if (hi < 0) return -1;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (arr[mid] < x) lo = mid + 1; else hi = mid;
    }
    if (lo > 0 && Math.abs(arr[lo - 1] - x) <= Math.abs(arr[lo] - x)) lo--;
    return lo;
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // uPlot's aligned columns: the samples' times and the phases' times.
  function columns(d) {
    var xs = d.t.slice();
    d.phases.forEach(function (p) { xs.push(p.t); });
    d.markers.forEach(function (m) { m.points.forEach(function (p) { xs.push(p[0]); }); });
    xs.sort(function (a, b) { return a - b; });
    var x = [];
    xs.forEach(function (v) { if (x.length === 0 || x[x.length - 1] !== v) x.push(v); });
    var at = new Map();
    x.forEach(function (v, i) { at.set(v, i); });
    function blank() { return new Array(x.length).fill(null); }
    var rss = blank(), peak = blank(), vm = blank();
    d.t.forEach(function (t, i) {
      var j = at.get(t);
      rss[j] = d.rss[i];
      vm[j] = d.vm[i];
      if (d.peak.length) peak[j] = d.peak[i];
    });
    var marks = d.markers.map(function (m) {
      var col = blank();
      m.points.forEach(function (p) { col[at.get(p[0])] = Math.min(p[1], d.clip); });
      return col;
    });
    return { x: x, rss: rss, peak: peak, vm: vm, marks: marks };
  }

  // Phase lines with their names (a name is left out where it would overlap).
  function drawPhases(d) {
    return function (u) {
      var ctx = u.ctx, r = devicePixelRatio, top = u.bbox.top, h = u.bbox.height;
      ctx.save();
      ctx.beginPath();
      ctx.rect(u.bbox.left, top, u.bbox.width, h);
      ctx.clip();
      ctx.font = Math.round(11 * r) + "px system-ui, sans-serif";
      ctx.textBaseline = "top";
      ctx.textAlign = "left";
      var free = -Infinity;
      d.phases.forEach(function (p, i) {
        var x = Math.round(u.valToPos(p.t, "x", true));
        if (i % 2 === 1 && i > 0) {
          var x0 = Math.round(u.valToPos(d.phases[i - 1].t, "x", true));
          ctx.fillStyle = "rgba(0,0,0,0.04)";
          ctx.fillRect(x0, top, x - x0, h);
        }
        ctx.strokeStyle = "#969696";
        ctx.lineWidth = r;
        ctx.setLineDash([4 * r, 3 * r]);
        ctx.beginPath();
        ctx.moveTo(x, top);
        ctx.lineTo(x, top + h);
        ctx.stroke();
        var w = ctx.measureText(p.name).width;
        // Right of its line, or left of it at the plot's right edge.
        var right = u.bbox.left + u.bbox.width;
        var at = x + 3 * r + w > right ? x - 3 * r - w : x + 3 * r;
        if (at > free && x >= u.bbox.left && x <= right) {
          ctx.fillStyle = "#444";
          ctx.fillText(p.name, at, top + 3 * r);
          free = at + w + 7 * r;
        }
      });
      if (d.limit != null) {
        var y = Math.round(u.valToPos(d.limit, "y", true));
        ctx.strokeStyle = "#d62728";
        ctx.setLineDash([8 * r, 4 * r]);
        ctx.beginPath();
        ctx.moveTo(u.bbox.left, y);
        ctx.lineTo(u.bbox.left + u.bbox.width, y);
        ctx.stroke();
        ctx.fillStyle = "#d62728";
        ctx.textBaseline = "bottom";
        ctx.fillText("GOMEMLIMIT " + fmt(d.limit, 0) + MIB, u.bbox.left + 4 * r, y - 2 * r);
      }
      ctx.restore();
    };
  }

  // What the tooltip shows at time `t`: [name, value] rows.
  function reading(p, t) {
    var d = p.d, rows = [["t", fmt(t, 4) + " s"]];
    var i = nearest(d.t, t);
    if (i >= 0) {
      rows.push(["sample at", fmt(d.t[i], 4) + " s"]);
      rows.push(["RSS", fmt(d.rss[i], 2) + MIB]);
      if (d.peak.length) rows.push(["window peak", fmt(d.peak[i], 2) + MIB]);
      rows.push(["VmSize", fmt(d.vm[i], 1) + MIB]);
    }
    // The phase whose line is within 8 px, else the last one before t.
    var px = p.u.valToPos(t, "x"), ph = null;
    d.phases.forEach(function (q) {
      if (Math.abs(p.u.valToPos(q.t, "x") - px) <= 8 && (ph == null || Math.abs(q.t - t) < Math.abs(ph.t - t))) ph = q;
    });
    var near = ph != null;
    if (!near) d.phases.forEach(function (q) { if (q.t <= t) ph = q; });
    d.lanes.forEach(function (l) {
      var k = nearest(l.ticks, t);
      if (k >= 0 && Math.abs(p.u.valToPos(l.ticks[k], "x") - px) <= 8) rows.push([l.name, fmt(l.ticks[k], 4) + " s"]);
    });
    if (ph) {
      rows.push([near ? "phase" : "since phase", ph.name + " (" + fmt(ph.t, 4) + " s)"]);
      d.markers.forEach(function (m) {
        m.points.forEach(function (pt) { if (pt[0] === ph.t) rows.push([m.label, fmt(pt[1], 2) + MIB]); });
      });
    }
    return rows;
  }

  function showTip(p, left, top) {
    var tip = p.tip;
    if (left == null || left < 0) { tip.style.display = "none"; return; }
    var rows = reading(p, p.u.posToVal(left, "x"));
    tip.textContent = "";
    var table = el("table");
    rows.forEach(function (r) {
      var tr = el("tr");
      tr.dataset.k = r[0];
      tr.appendChild(el("th", null, r[0]));
      tr.appendChild(el("td", null, r[1]));
      table.appendChild(tr);
    });
    tip.appendChild(table);
    tip.style.display = "block";
    var w = p.u.over.clientWidth;
    tip.style.left = (left > w / 2 ? left - tip.offsetWidth - 12 : left + 12) + p.u.over.offsetLeft + "px";
    tip.style.top = Math.max(0, (top || 0)) + p.u.over.offsetTop + "px";
    return rows;
  }

  // Sets the time range of both panels of a plot (the other one follows
  // in its setScale hook), within the run.
  function zoom(p, min, max) {
    var d = p.d;
    min = Math.max(min, d.start);
    max = Math.min(max, d.end);
    if (!(max > min)) return;
    p.u.setScale("x", { min: min, max: max });
  }

  function zoomToPhase(p, i) {
    var d = p.d, ph = d.phases[i];
    var from = i > 0 ? d.phases[i - 1].t : d.start;
    var w = Math.max(ph.t - from, 0.001);
    zoom(p, from - w * 0.1, ph.t + w * 0.15);
  }

  function wheel(p) {
    return function (e) {
      e.preventDefault();
      var u = p.u, min = u.scales.x.min, max = u.scales.x.max, span = max - min;
      if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        var dx = span * e.deltaX / u.over.clientWidth;
        zoom(p, min + dx, max + dx);
        return;
      }
      var at = u.posToVal(e.offsetX, "x"), f = e.deltaY < 0 ? 0.8 : 1.25;
      zoom(p, at - (at - min) * f, at + (max - at) * f);
    };
  }

  // shift+drag (or the middle button) pans; a plain drag selects a range.
  function bindDown(p) {
    return function (u, targ, handler) {
      return function (e) {
        if (!(e.shiftKey || e.button === 1)) return handler(e);
        e.preventDefault();
        var x0 = e.clientX, min = u.scales.x.min, max = u.scales.x.max;
        function move(m) {
          var dv = (x0 - m.clientX) / u.over.clientWidth * (max - min);
          zoom(p, min + dv, max + dv);
        }
        function up() {
          document.removeEventListener("mousemove", move);
          document.removeEventListener("mouseup", up);
        }
        document.addEventListener("mousemove", move);
        document.addEventListener("mouseup", up);
        return null;
      };
    };
  }

  // A series drawn as ticks: a short vertical line at each of its values.
  function ticks(u, si, i0, i1) {
    var xs = u.data[0], ys = u.data[si], path = new Path2D();
    for (var i = i0; i <= i1; i++) {
      if (ys[i] == null) continue;
      var x = Math.round(u.valToPos(xs[i], "x", true));
      path.moveTo(x, u.valToPos(ys[i] - 0.85, "y", true));
      path.lineTo(x, u.valToPos(ys[i] - 0.15, "y", true));
    }
    return { stroke: path, fill: null, clip: null, band: null, gaps: null, flags: 0 };
  }

  // The events panel: a row of ticks per lane (GC cycles, scavenger lines,
  // traced calls), named on its axis; none without events.
  function lanesPanel(p, base, box) {
    var d = p.d, n = d.lanes.length;
    if (n === 0) return null;
    var xs = [d.start, d.end];
    d.lanes.forEach(function (l) { xs = xs.concat(l.ticks); });
    xs.sort(function (a, b) { return a - b; });
    var x = xs.filter(function (v, i) { return i === 0 || xs[i - 1] !== v; });
    var at = new Map();
    x.forEach(function (v, i) { at.set(v, i); });
    var data = [x], series = [{ label: "t (s)" }];
    d.lanes.forEach(function (l, k) {
      var col = new Array(x.length).fill(null);
      l.ticks.forEach(function (t) { col[at.get(t)] = n - k; });
      data.push(col);
      series.push({ label: l.name + " (" + l.ticks.length + ")", stroke: l.color, width: 1.5, paths: ticks, points: { show: false } });
    });
    var panel = el("div", "panel lanes");
    box.appendChild(panel);
    return new uPlot(Object.assign({}, base, {
      height: 24 * n + 8,
      // Rows from edge to edge: the default padding above and below is for
      // an axis' end labels, which this one has not.
      padding: [4, 24, 4, null],
      scales: { x: { time: false }, y: { range: function () { return [0, n]; } } },
      axes: [{ show: false }, {
        // The memory axis' width and its label's room, so the times line up.
        label: "", size: 64, font: "11px system-ui, sans-serif", grid: { show: false }, ticks: { show: false },
        splits: function () { return d.lanes.map(function (l, k) { return n - k - 0.5; }); },
        values: function () { return d.lanes.map(function (l) { return l.name; }); },
      }],
      series: series,
      cursor: Object.assign({}, base.cursor, { y: false }),
      hooks: { setScale: [function (u, k) { if (k === "x" && !p.syncing) p.sync(u); }] },
    }), data, panel);
  }

  function build(fig, n) {
    var d = JSON.parse(fig.querySelector("script.plot-data").textContent);
    var box = fig.querySelector("div.iplot");
    var c = columns(d);
    var p = { d: d, fig: fig };
    var key = "gomemlab-" + n, width = Math.max(box.clientWidth, 300);
    box.appendChild(el("div", "ptitle", d.title));
    var buttons = el("div", "phases");
    var whole = el("button", "whole", "whole run");
    whole.type = "button";
    whole.addEventListener("click", function () { zoom(p, d.start, d.end); });
    buttons.appendChild(whole);
    if (d.focus) {
      var crowd = el("button", "whole", "the phases");
      crowd.type = "button";
      crowd.title = "zoom to where the phases crowd (the static plot's lower panel)";
      crowd.addEventListener("click", function () { zoom(p, d.focus[0], d.focus[1]); });
      buttons.appendChild(crowd);
    }
    d.phases.forEach(function (ph, i) {
      var b = el("button", null, ph.name);
      b.type = "button";
      b.dataset.phase = ph.name;
      b.title = "zoom to " + ph.name + " (from the phase before)";
      b.addEventListener("click", function () { zoomToPhase(p, i); });
      buttons.appendChild(b);
    });
    box.appendChild(buttons);
    var mem = el("div", "panel"), vmp = el("div", "panel");
    box.appendChild(mem);
    var series = [{ label: "t (s)" },
      { label: "RSS", stroke: "#1f77b4", width: 1.5, spanGaps: true, points: { show: false } }];
    var data = [c.x, c.rss];
    if (d.peak.length) {
      series.push({ label: "window peak", stroke: "#78afdc", width: 1, spanGaps: true, points: { show: false } });
      data.push(c.peak);
    }
    d.markers.forEach(function (m, i) {
      series.push({
        label: m.label, stroke: m.color, width: 1.5, dash: m.dash ? [4, 3] : undefined,
        paths: function () { return null; },
        points: { show: true, size: 7, stroke: m.color, fill: m.color, width: 1 },
        show: m.label !== "VmHWM",
      });
      data.push(c.marks[i]);
    });
    // A time range set on one panel is set on the others.
    p.sync = function (from) {
      p.syncing = true;
      [p.u, p.e, p.v].forEach(function (o) {
        if (o && o !== from) o.setScale("x", { min: from.scales.x.min, max: from.scales.x.max });
      });
      p.syncing = false;
    };
    function syncX(u, k) { if (k === "x" && !p.syncing) p.sync(u); }
    var base = {
      width: width,
      cursor: { sync: { key: key, scales: ["x", null] }, drag: { x: true, y: false }, bind: { mousedown: bindDown(p) } },
      legend: { live: false },
      // One right padding for every panel (the default depends on the
      // time axis, which the events panel hides), so their times line up.
      padding: [null, 24, null, null],
    };
    p.u = new uPlot(Object.assign({}, base, {
      height: 360,
      scales: { x: { time: false }, y: { range: function (u, lo, hi) { return [0, Math.max(hi || 0, 0.01) * 1.08]; } } },
      axes: [{ label: "time since start (s)" }, { label: "memory (MiB)", size: 64 }],
      series: series,
      hooks: {
        draw: [drawPhases(d)],
        setScale: [syncX],
        setCursor: [function (u) { showTip(p, u.cursor.left, u.cursor.top); }],
      },
    }), data, mem);
    p.e = lanesPanel(p, base, box);
    box.appendChild(vmp);
    p.v = new uPlot(Object.assign({}, base, {
      height: 170,
      scales: { x: { time: false }, y: { range: function (u, lo, hi) { return [0, Math.max(hi || 0, 0.01) * 1.08]; } } },
      axes: [{ label: "time since start (s)" }, { label: "VmSize (MiB)", size: 64 }],
      series: [{ label: "t (s)" }, { label: "VmSize", stroke: "#8c564b", width: 1.5, spanGaps: true, points: { show: false } }],
      // No horizontal crosshair here: the memory panel's cursor sets it.
      cursor: Object.assign({}, base.cursor, { y: false }),
      hooks: { setScale: [syncX] },
    }), [c.x, c.vm], vmp);
    p.tip = el("div", "tip");
    p.tip.style.display = "none";
    mem.style.position = "relative";
    mem.appendChild(p.tip);
    p.u.over.addEventListener("wheel", wheel(p), { passive: false });
    p.v.over.addEventListener("wheel", wheel(p), { passive: false });
    if (p.e) p.e.over.addEventListener("wheel", wheel(p), { passive: false });
    p.u.over.addEventListener("mouseleave", function () { p.tip.style.display = "none"; });
    var note = el("p", "pnote",
      "Drag to zoom, wheel to zoom, shift+drag to pan, double-click for the whole run; click a series to hide it." +
      (d.kept < d.samples ? " Thinned for the page: " + d.kept + " of " + d.samples + " samples kept (per time column the first, last, lowest and highest RSS and the highest window peak)." : ""));
    box.appendChild(note);
    fig.classList.add("live");
    return p;
  }

  // The plot alone on the page (a headless screenshot shows the top).
  function solo(p) {
    document.body.prepend(p.fig);
    document.body.classList.add("solo");
    var w = Math.max(p.fig.querySelector("div.iplot").clientWidth, 300);
    p.u.setSize({ width: w, height: 360 });
    p.v.setSize({ width: w, height: 170 });
    if (p.e) p.e.setSize({ width: w, height: p.e.height });
  }

  function testHooks() {
    var hash = decodeURIComponent(location.hash || "");
    var view = /^#test-view=(\d+)$/.exec(hash);
    if (view && plots[+view[1]]) { solo(plots[+view[1]]); return; }
    var m = /^#test-zoom=(.+?)(?:@(\d+))?$/.exec(hash);
    if (!m) return;
    var out = el("pre");
    out.id = "test-read";
    document.body.appendChild(out);
    for (var k = m[2] ? +m[2] : 0; k < plots.length; k++) {
      var p = plots[k], i = p.d.phases.findIndex(function (q) { return q.name === m[1]; });
      if (i < 0) continue;
      solo(p);
      p.fig.querySelector('button[data-phase="' + CSS.escape(m[1]) + '"]').click();
      // uPlot applies a new scale in a microtask: hover after it.
      setTimeout(hover, 0, p, i, m[1], out);
      return;
    }
    out.textContent = JSON.stringify({ phase: m[1], error: "no plot has this phase" });
  }

  function hover(p, i, name, out) {
    var rect = p.u.over.getBoundingClientRect(), t = p.d.phases[i].t;
    var x = rect.left + p.u.valToPos(t, "x"), y = rect.top + rect.height / 3;
    p.u.over.dispatchEvent(new MouseEvent("mouseenter", { clientX: x, clientY: y, bubbles: true }));
    p.u.over.dispatchEvent(new MouseEvent("mousemove", { clientX: x, clientY: y, bubbles: true }));
    var rows = {};
    p.tip.querySelectorAll("tr").forEach(function (tr) { rows[tr.dataset.k] = tr.querySelector("td").textContent; });
    out.textContent = JSON.stringify({ phase: name, min: p.u.scales.x.min, max: p.u.scales.x.max, vmMin: p.v.scales.x.min, tip: rows, lanes: lanes(p) });
  }

  // The events panel as drawn: per lane its legend label, ticks and those
  // in the zoomed range; then its first lane's name clicked in the legend,
  // which hides it like any series, and clicked again.
  function lanes(p) {
    if (!p.e) return null;
    var e = p.e, min = e.scales.x.min, max = e.scales.x.max;
    var out = p.d.lanes.map(function (l, k) {
      var inView = l.ticks.filter(function (t) { return t >= min && t <= max; }).length;
      return { name: l.name, label: e.series[k + 1].label, ticks: l.ticks.length, inView: inView, shown: e.series[k + 1].show };
    });
    var label = e.series.length > 1 ? e.series[1].label : null, clicked = null, hidden = null;
    e.root.querySelectorAll(".u-legend .u-series th").forEach(function (th) {
      if (th.textContent !== label) return;
      // Clicked twice: hidden, then shown again (a screenshot shows it).
      th.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      hidden = !e.series[1].show;
      th.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      clicked = label;
    });
    // Where the plotting areas are (CSS px): the same for both, so the
    // ticks line up with the memory panel's times.
    var box = function (u) { return [u.bbox.left / devicePixelRatio, u.bbox.width / devicePixelRatio]; };
    return { min: min, lanes: out, clicked: clicked, hiddenByClick: hidden, shownAfter: e.series.length > 1 && e.series[1].show, box: box(e), memoryBox: box(p.u), rowPx: e.bbox.height / devicePixelRatio / Math.max(out.length, 1) };
  }

  document.querySelectorAll("figure.run").forEach(function (fig, n) {
    if (fig.querySelector("script.plot-data")) plots.push(build(fig, n));
  });
  var resized = null;
  window.addEventListener("resize", function () {
    clearTimeout(resized);
    resized = setTimeout(function () {
      plots.forEach(function (p) {
        var w = Math.max(p.fig.querySelector("div.iplot").clientWidth, 300);
        p.u.setSize({ width: w, height: 360 });
        p.v.setSize({ width: w, height: 170 });
        if (p.e) p.e.setSize({ width: w, height: p.e.height });
      });
    }, 100);
  });
  // After uPlot's first draw (a microtask after each plot is made).
  setTimeout(testHooks, 0);
})();
