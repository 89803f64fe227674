"use strict";
(function () {
  const errors = [];
  window.addEventListener("error", (e) => { errors.push(String(e.message)); });
  const CHUNK = 400;   // rows shown at once in one list; the rest behind "show more"
  const BUDGET = 3000; // rows one unfolding may add before nested blocks stay folded
  const BINS = 320;    // bars a plot draws at most: the largest layer of each bin
  const NS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function sv(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  const R = JSON.parse($("cnncalc-report").textContent);
  const P = JSON.parse($("cnncalc-page").textContent);
  const layers = Array.isArray(R.layers) ? R.layers : [];
  const total = R.total || {};
  const mem = total.memory || {};
  const L = [], pos = [];
  layers.forEach((l, k) => { L[l.index] = l; pos[l.index] = k; });
  const notes = P.notes || [], noteOf = P.note || [];
  const note = (i) => notes[noteOf[pos[i]]] || { explain: [], window: null };

  // --- numbers, as the table writes them ---------------------------------
  const SI = ["T", "P", "E", "Z", "Y", "R", "Q"];
  function num(v) {
    if (typeof v !== "number" || !isFinite(v)) return "";
    if (Math.abs(v) < 1e12) return String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    const mag = Math.floor(Math.log10(Math.abs(v)));
    const p = Math.min(Math.floor((mag - 12) / 3), SI.length - 1);
    const x = v / Math.pow(10, 12 + 3 * p);
    return (Math.abs(x) >= 1e4 ? x.toExponential(3) : String(Number(x.toPrecision(4))))
      + " " + SI[p];
  }
  function unnum(text) {
    const m = /^(-?[\d.,e+]+)(?: ([TPEZYRQ]))?$/.exec(text.trim());
    if (!m) return NaN;
    const x = Number(m[1].replace(/,/g, ""));
    return m[2] ? x * Math.pow(10, 12 + 3 * SI.indexOf(m[2])) : x;
  }
  const UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB"];
  function bytes(c) {
    if (typeof c !== "number" || !isFinite(c)) return "";
    if (c < 1024) return c + " B";
    let x = c / 1024, u = 0;
    while (x >= 1024 && u < UNITS.length - 1) { x /= 1024; u++; }
    return x.toFixed(1) + " " + UNITS[u];
  }
  function sameBytes(text, want) {  // shown to a tenth of its unit
    const m = /^([\d.]+) (B|KiB|MiB|GiB|TiB|PiB)$/.exec(text.trim());
    if (!m) return false;
    const unit = Math.pow(1024, m[2] === "B" ? 0 : UNITS.indexOf(m[2]) + 1);
    return Math.abs(Number(m[1]) * unit - want) <= 0.05 * unit * (1 + 1e-9);
  }
  const shape = (a) => (Array.isArray(a) ? a.join("×") : "");
  const label = (l) => (l.name ? l.name + ": " : "") + l.spec;

  // --- header, spec ---------------------------------------------------------
  document.title = (R.name || "network") + " — cnncalc";
  $("title").textContent = R.name || "";
  const more = Array.isArray(R.outputs) ? R.outputs : [];
  $("io").textContent = shape(R.input_shape) + " → " + shape(R.output_shape)
    + more.map((o) => ", " + String(o.name) + " " + shape(o.shape)).join("") + " · "
    + layers.length + (layers.length === 1 ? " layer" : " layers");
  $("description").textContent = P.description || "";
  $("spec-text").textContent = R.spec || "";
  const facts = [
    ["params", total.params, num, "params"], ["trainable", total.trainable_params, num,
      "trainable_params"], ["MACs", total.macs, num, "macs"], ["FLOPs", total.flops, num, "flops"],
    ["training memory", mem.training_bytes, bytes, "training_bytes"],
    ["inference peak", mem.inference_peak_bytes, bytes, "inference_peak_bytes"],
    ["kept for backward", mem.kept_bytes, bytes, "kept_bytes"],
  ];
  for (const [name, value, show, key] of facts) {
    if (typeof value !== "number") continue;
    const d = el("div");
    const dd = el("dd", null, show(value));
    dd.dataset.total = key;
    d.append(el("dt", null, name), dd);
    $("totals").append(d);
  }
  if (mem.dtype) {
    const d = el("div");
    d.append(el("dt", null, "memory for"), el("dd", null, "batch " + mem.batch + ", "
      + mem.dtype + (mem.optimizer ? ", " + mem.optimizer : "")));
    $("totals").append(d);
  }

  // --- the block tree ---------------------------------------------------------
  const parentOf = [], blocks = [];
  let maxDepth = 1;
  function prepare(rows, parent) {
    let first = Infinity, last = -Infinity;
    for (const r of rows) {
      if (typeof r === "number") {
        parentOf[r] = parent;
        if (r < first) first = r;
        if (r > last) last = r;
        continue;
      }
      r.parent = parent;
      r.open = r.depth < 2;
      maxDepth = Math.max(maxDepth, r.depth + 1);
      blocks.push(r);
      r.rows = [];
      for (const part of r.parts) for (const x of part) r.rows.push(x);
      const span = prepare(r.rows, r);
      r.first = span[0];
      r.last = span[1];
      if (r.first < first) first = r.first;
      if (r.last > last) last = r.last;
    }
    return [first, last];
  }
  const tree = Array.isArray(P.tree) ? P.tree : layers.map((l) => l.index);
  prepare(tree, null);

  // --- the table -------------------------------------------------------------------
  const tbody = $("rows");
  const rowOf = new Map(), trOf = new Map();
  let added = 0;
  function cells(tr, depth, first, text, shapeText, params, macs, act) {
    const lab = el("td", "label");
    lab.style.paddingLeft = (4 + 14 * (depth - 1)) + "px";
    lab.title = text;
    first.forEach((x) => lab.append(x));
    lab.append(text);
    const p = el("td", "num", num(params)), m = el("td", "num", num(macs));
    p.dataset.field = "params";
    m.dataset.field = "macs";
    tr.append(lab, el("td", "shape", shapeText), p, m, el("td", "num", act));
  }
  function layerRow(i, depth) {
    const l = L[i], tr = el("tr", "layer");
    tr.item = i;
    tr.depth = depth;
    tr.append(el("td", "num idx", String(i)));
    const warn = l.warnings && l.warnings.length ? [el("span", "warn", "⚠ ")] : [];
    cells(tr, depth, warn, label(l), shape(l.output_shape), l.params, l.macs,
      bytes(l.activation_bytes));
    rowOf.set(i, tr);
    return tr;
  }
  function blockRow(b, depth) {
    const tr = el("tr", "block");
    tr.item = b;
    tr.depth = depth;
    tr.append(el("td", "num idx", ""));
    const count = el("span", "count", "  " + b.layers + (b.layers === 1 ? " layer" : " layers"));
    cells(tr, depth, [el("span", "toggle", b.open ? "▾" : "▸")], b.label, shape(b.output_shape),
      b.params, b.macs, "");
    tr.children[1].append(count);
    trOf.set(b, tr);
    return tr;
  }
  function fill(frag, rows, start, depth) {
    const end = Math.min(rows.length, start + CHUNK);
    for (let k = start; k < end; k++) {
      const r = rows[k];
      added++;
      if (typeof r === "number") { frag.append(layerRow(r, depth)); continue; }
      if (r.open && added > BUDGET) r.open = false;
      frag.append(blockRow(r, depth));
      if (r.open) fill(frag, r.rows, 0, depth + 1);
    }
    if (end < rows.length) {
      const tr = el("tr", "more");
      tr.depth = depth;
      tr.more = { rows: rows, start: end };
      const td = el("td", null, "… " + num(rows.length - end) + " more rows: show "
        + Math.min(CHUNK, rows.length - end));
      td.colSpan = 6;
      tr.append(td);
      frag.append(tr);
    }
  }
  function forget(tr) {
    if (typeof tr.item === "number") rowOf.delete(tr.item);
    else if (tr.item) trOf.delete(tr.item);
  }
  function toggle(b) {
    const tr = trOf.get(b);
    b.open = !b.open;
    if (!tr) return;
    tr.querySelector(".toggle").textContent = b.open ? "▾" : "▸";
    if (b.open) {
      added = 0;
      const frag = document.createDocumentFragment();
      fill(frag, b.rows, 0, tr.depth + 1);
      tr.after(frag);
    } else {
      let next = tr.nextElementSibling;
      while (next && next.depth > tr.depth) {
        const after = next.nextElementSibling;
        forget(next);
        next.remove();
        next = after;
      }
    }
    refresh();
  }
  function showMore(tr) {
    added = 0;
    const frag = document.createDocumentFragment();
    fill(frag, tr.more.rows, tr.more.start, tr.depth);
    tr.replaceWith(frag);
    refresh();
  }
  function build(depth) {
    for (const b of blocks) b.open = b.depth < depth;
    tbody.textContent = "";
    rowOf.clear();
    trOf.clear();
    added = 0;
    const frag = document.createDocumentFragment();
    fill(frag, tree, 0, 1);
    tbody.append(frag);
    refresh();
  }
  const foot = el("tr");
  foot.append(el("td"));
  cells(foot, 1, [], "total", shape(R.output_shape), total.params, total.macs,
    bytes(mem.activation_bytes));
  $("foot").append(foot);
  const depthSelect = $("depth");
  for (let d = 1; d <= maxDepth; d++) {
    const o = el("option", null, d === maxDepth ? d + " (all)" : String(d));
    o.value = String(d);
    depthSelect.append(o);
  }
  depthSelect.value = String(Math.min(2, maxDepth));
  depthSelect.addEventListener("change", () => { build(Number(depthSelect.value)); });
  function ensureShown(item) {
    const parent = typeof item === "number" ? parentOf[item] : item.parent;
    if (parent) {
      ensureShown(parent);
      if (!parent.open) toggle(parent);
    }
    const shown = () => (typeof item === "number" ? rowOf.has(item) : trOf.has(item));
    while (!shown()) {
      let more = null;
      for (const m of tbody.querySelectorAll("tr.more")) {
        if (m.more.rows.indexOf(item, m.more.start) >= 0) { more = m; break; }
      }
      if (!more) return;
      showMore(more);
    }
  }

  // --- the diagram -------------------------------------------------------------
  const diagram = $("diagram");
  const picture = diagram.querySelector("svg");
  const svgOf = [];
  if (picture) {
    for (const g of picture.querySelectorAll("g[data-index]")) {
      for (const t of g.getAttribute("data-index").split(" ")) {
        (svgOf[Number(t)] = svgOf[Number(t)] || []).push(g);
      }
    }
    const wide = Number(picture.getAttribute("width")) || 0;
    const high = Number(picture.getAttribute("height")) || 0;
    const zoom = $("zoom");
    const apply = () => {
      const fit = zoom.value;
      const h = Math.min(high, Math.max(160, 0.42 * window.innerHeight));
      picture.style.width = fit === "width" ? "100%" : fit === "height" ? "auto" : "";
      picture.style.maxWidth = fit === "width" ? wide + "px" : "";
      picture.style.height = fit === "width" ? "auto" : fit === "height" ? h + "px" : "";
    };
    zoom.value = wide <= 2.2 * Math.max(diagram.clientWidth, 300) ? "width" : "height";
    zoom.addEventListener("change", apply);
    apply();
  }
  function graphics(item) {
    if (typeof item === "number") return svgOf[item] || [];
    const found = new Set();
    for (let i = item.first; i <= item.last; i++) for (const g of svgOf[i] || []) found.add(g);
    return Array.from(found);
  }

  // --- selection and hover --------------------------------------------------------
  const marked = { sel: [], hov: [] };
  function mark(cls, items) {
    for (const e of marked[cls]) e.classList.remove(cls);
    marked[cls] = items.filter((e) => e);
    for (const e of marked[cls]) e.classList.add(cls);
  }
  function rowFor(item) { return typeof item === "number" ? rowOf.get(item) : trOf.get(item); }
  function scrollInto(box, e) {
    if (!e) return;
    const b = box.getBoundingClientRect(), r = e.getBoundingClientRect();
    const head = box === $("table-wrap") ? 26 : 0;
    if (r.top < b.top + head || r.bottom > b.bottom) {
      box.scrollTop += r.top - b.top - (b.height - r.height) / 2;
    }
    if (r.left < b.left || r.right > b.right) {
      box.scrollLeft += r.left - b.left - (b.width - r.width) / 2;
    }
  }
  let current = null;
  function select(item) {
    if (item === undefined || item === null) return;
    if (typeof item === "number" && !L[item]) return;
    current = item;
    ensureShown(item);
    const tr = rowFor(item), gs = graphics(item);
    mark("sel", [tr].concat(gs));
    scrollInto($("table-wrap"), tr);
    if (gs.length) scrollInto(diagram, gs[0]);
    details(item);
    for (const p of plots) p.cursor(item);
  }
  function refresh() {  // rows re-made by folding: put the marks back on them
    if (current !== null) mark("sel", [rowFor(current)].concat(graphics(current)));
  }
  tbody.addEventListener("click", (e) => {
    const tr = e.target.closest("tr");
    if (!tr) return;
    if (tr.more) { showMore(tr); return; }
    if (typeof tr.item !== "number" && tr.item) toggle(tr.item);
    select(tr.item);
  });
  tbody.addEventListener("mouseover", (e) => {
    const tr = e.target.closest("tr");
    mark("hov", tr && tr.item !== undefined ? graphics(tr.item) : []);
  });
  tbody.addEventListener("mouseleave", () => { mark("hov", []); });
  function indicesOf(g) { return g.getAttribute("data-index").split(" ").map(Number); }
  if (picture) {
    picture.addEventListener("click", (e) => {
      const g = e.target.closest("g[data-index]");
      if (g) select(indicesOf(g)[0]);
    });
    picture.addEventListener("mouseover", (e) => {
      const g = e.target.closest("g[data-index]");
      mark("hov", g ? [g].concat(indicesOf(g).map((i) => rowOf.get(i))) : []);
    });
    picture.addEventListener("mouseleave", () => { mark("hov", []); });
  }
  document.addEventListener("keydown", (e) => {
    if (e.target && /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName)) return;
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const at = typeof current === "number" ? pos[current] : -1;
    const next = layers[Math.max(0, Math.min(layers.length - 1, at + (e.key === "ArrowDown"
      ? 1 : -1)))];
    if (next) { select(next.index); e.preventDefault(); }
  });

  // --- the selected layer -----------------------------------------------------------
  function factList(pairs) {
    const dl = el("dl", "facts");
    for (const [name, value, key] of pairs) {
      if (value === "" || value === undefined) continue;
      const d = el("div"), dd = el("dd", null, value);
      if (key) dd.dataset.field = key;
      d.append(el("dt", null, name), dd);
      dl.append(d);
    }
    return dl;
  }
  function details(item) {
    const box = $("detail");
    box.textContent = "";
    if (typeof item !== "number") {
      box.append(el("h3", null, item.label));
      box.append(factList([["shape", shape(item.input_shape) + " → " + shape(item.output_shape)],
        ["layers", num(item.layers)], ["params", num(item.params), "params"],
        ["MACs", num(item.macs), "macs"], ["repeated", item.count > 1 ? "×" + item.count : ""]]));
      box.append(el("p", "hint", "Layers " + item.first + "–" + item.last
        + " (highlighted in the diagram). Click ▸/▾ in the table to fold it."));
      return;
    }
    const l = L[item], n = note(item);
    box.append(el("h3", null, item + "  " + label(l)));
    box.append(factList([["shape", shape(l.input_shape) + " → " + shape(l.output_shape)],
      ["params", num(l.params), "params"], ["MACs", num(l.macs), "macs"],
      ["output", bytes(l.activation_bytes)], ["kept for backward", bytes(l.kept_bytes)],
      ["receptive field", !l.receptive_field ? ""
        : l.receptive_field.exceeds_1e30 ? ">10^30" : shape(l.receptive_field.size)]]));
    if (l.warnings && l.warnings.length) {
      const ul = el("ul", "warnings");
      for (const w of l.warnings) ul.append(el("li", null, w));
      box.append(ul);
    }
    if (n.explain && n.explain.length) {
      box.append(el("h4", null, "How each figure is computed"));
      box.append(el("pre", "explain", n.explain.join("\n")));
    }
    if (n.window) windowPicture(box, n.window);
    if (l.compare) compareTable(box, l.compare);
  }

  // --- the window sliding over the padded input (one axis) --------------------------
  let playing = null;
  function windowPicture(box, w) {
    if (playing) { clearInterval(playing); playing = null; }
    const keff = w.d * (w.k - 1) + 1, padded = w.pl + w.n + w.pr;
    const reach = (w.out - 1) * w.s + keff, all = Math.max(padded, reach);
    const cells = Math.min(all, Math.max(48, keff + 2 * w.s + 8), 200);
    const cw = Math.max(3, Math.min(18, 600 / cells)), x0 = 52, width = x0 + cells * cw + 24;
    const outs = Math.min(w.out, cells), ocw = Math.max(3, Math.min(18, 600 / outs));
    box.append(el("h4", null, "The window along " + w.axis + ": " + (w.zeros
      ? "as the direct convolution a transposed one equals (zeros between inputs)"
      : "(" + w.axis + " − F + 2P)/S + 1, slid step by step")));
    const svg = sv("svg", { class: "slide", width: width, height: 118,
      viewBox: "0 0 " + width + " 118" });
    const g = sv("g", {});
    svg.append(g);
    const ctrl = el("div", "slider"), range = el("input"), play = el("button", null, "▶ play");
    const caption = el("span");
    range.type = "range";
    range.min = "0";
    range.max = String(w.out - 1);
    range.value = "0";
    ctrl.append(range, play, caption);
    const kind = (j) => {
      if (j < w.pl || (j >= w.pl + w.n && j < padded)) return "pad";
      if (j >= padded) return "beyond";
      return w.zeros && (j - w.pl) % (w.zeros + 1) ? "zero" : "in";
    };
    const real = (j) => (j - w.pl) / (w.zeros + 1);  // input position of an "in" cell
    const every = cw >= 14 ? 1 : cw >= 7 ? 5 : 10;
    function draw(o) {
      g.textContent = "";
      const start = o * w.s, end = start + keff;
      const lo = all > cells ? Math.min(Math.max(0, start - Math.floor((cells - keff) / 2)),
        all - cells) : 0;
      g.append(sv("text", { x: 2, y: 28, class: "label" }, "input"));
      g.append(sv("text", { x: 2, y: 96, class: "label" }, "output"));
      if (lo > 0) g.append(sv("text", { x: x0 - 10, y: 28 }, "…"));
      if (lo + cells < all) g.append(sv("text", { x: x0 + cells * cw + 3, y: 28 }, "…"));
      for (let c = 0; c < cells; c++) {
        const j = lo + c, k = kind(j), x = x0 + c * cw;
        g.append(sv("rect", { x: x, y: 16, width: cw - 1, height: 16, class: "cell " + k }));
        if (k === "in" && real(j) % every === 0) {
          g.append(sv("text", { x: x + 1, y: 42 }, String(real(j))));
        }
      }
      for (let m = 0; m < w.k; m++) {
        const c = start + m * w.d - lo;
        if (c >= 0 && c < cells) {
          g.append(sv("rect", { x: x0 + c * cw, y: 16, width: cw - 1, height: 16, class: "tap" }));
        }
      }
      if (o + 1 < w.out) {  // where the next step puts the window: the stride
        const na = Math.max(start + w.s - lo, 0), nz = Math.min(end + w.s - lo, cells);
        if (nz > na) {
          g.append(sv("rect", { x: x0 + na * cw - 1.5, y: 11, width: (nz - na) * cw + 2,
            height: 26, class: "next" }));
        }
      }
      const a = Math.max(start - lo, 0), z = Math.min(end - lo, cells);
      g.append(sv("rect", { x: x0 + a * cw - 1.5, y: 13, width: (z - a) * cw + 2, height: 22,
        class: "win" }));
      const olo = Math.min(Math.max(0, o - Math.floor(outs / 2)), w.out - outs);
      for (let c = 0; c < outs; c++) {
        const x = x0 + c * ocw;
        g.append(sv("rect", { x: x, y: 80, width: ocw - 1, height: 16,
          class: "out" + (olo + c === o ? " on" : "") }));
      }
      const ox = x0 + (o - olo + 0.5) * ocw;
      g.append(sv("line", { x1: x0 + a * cw, y1: 36, x2: ox, y2: 80, class: "ray" }));
      g.append(sv("line", { x1: x0 + z * cw, y1: 36, x2: ox, y2: 80, class: "ray" }));
      g.append(sv("text", { x: x0, y: 112 }, (w.pl || w.pr ? "padding " + w.pl + "/" + w.pr
        + " (dashed) · " : "") + "F = " + w.k + (w.d > 1 ? ", dilation " + w.d + " → spans "
        + keff : "") + " · stride " + w.s + " (dashed: the next step)"
        + (w.ceil ? " · ceil mode" : "")));
      const first = start - w.pl, last = end - 1 - w.pl;
      caption.textContent = "output " + o + " of 0–" + (w.out - 1) + " reads padded "
        + "positions " + first + "…" + last + (w.zeros ? "" : (first < 0 || last >= w.n
          ? " (some padding)" : ""));
      range.value = String(o);
    }
    range.addEventListener("input", () => { draw(Number(range.value)); });
    play.addEventListener("click", () => {
      if (playing) { clearInterval(playing); playing = null; play.textContent = "▶ play"; return; }
      play.textContent = "❚❚ pause";
      playing = setInterval(() => {
        draw((Number(range.value) + 1) % w.out);
        if (!svg.isConnected) { clearInterval(playing); playing = null; }
      }, 450);
    });
    box.append(svg, ctrl);
    draw(0);
  }

  // --- dense / local / shared ----------------------------------------------------------
  function compareTable(box, c) {
    box.append(el("h4", null, "The same volumes joined three ways"));
    const ways = [["dense", "every input unit to every output unit"],
      ["local", "a filter per output position, not shared"],
      ["shared", "one filter per channel, slid everywhere: the convolution"]];
    const t = el("table", "compare"), head = el("tr");
    for (const h of ["", "weights", "biases", "", ""]) head.append(el("th", null, h));
    t.append(head);
    let most = 1;
    for (const [w] of ways) if (c[w]) most = Math.max(most, c[w].weights + c[w].biases);
    for (const [w, what] of ways) {
      if (!c[w]) continue;
      const tr = el("tr"), bar = el("div", "hbar"), sum = c[w].weights + c[w].biases;
      bar.style.width = (100 * Math.log10(sum + 1) / Math.log10(most + 1)).toFixed(1) + "%";
      const cell = el("td", "barcell");
      cell.append(bar);
      const wt = el("td", null, num(c[w].weights)), bi = el("td", null, num(c[w].biases));
      wt.dataset.field = w + ".weights";
      bi.dataset.field = w + ".biases";
      const about = el("td", null, what);
      about.style.textAlign = "left";
      about.style.color = "var(--muted)";
      tr.append(el("td", null, w), wt, bi, cell, about);
      t.append(tr);
    }
    box.append(t);
    if (c.dense && c.shared && c.shared.weights) {
      box.append(el("p", "compare-note", "Sharing divides the weights by "
        + num(Math.round(c.dense.weights / c.shared.weights))
        + " against dense (bars: log scale)."));
    }
  }

  // --- plots -------------------------------------------------------------------
  const plots = [];
  function plot(title, values, show, opts) {
    const W = 520, H = 170, left = 62, right = 10, top = 14, bottom = 20;
    const pw = W - left - right, ph = H - top - bottom, n = values.length;
    const bins = Math.min(n, BINS), fig = el("figure");
    const svg = sv("svg", { class: "plot", viewBox: "0 0 " + W + " " + H,
      role: "img", "aria-label": title });
    let most = 0;
    for (const v of values) if (typeof v === "number" && v > most) most = v;
    const y = (v) => top + ph - (most ? (v / most) * ph : 0);
    const xOf = (k) => left + ((k + 0.5) / Math.max(n, 1)) * pw;
    svg.append(sv("line", { x1: left, y1: top + ph, x2: left + pw, y2: top + ph, class: "axis" }));
    svg.append(sv("line", { x1: left, y1: top, x2: left, y2: top + ph, class: "axis" }));
    svg.append(sv("text", { x: left - 4, y: top + 8, "text-anchor": "end" }, show(most)));
    svg.append(sv("text", { x: left - 4, y: top + ph, "text-anchor": "end" }, "0"));
    svg.append(sv("text", { x: left, y: H - 4 }, n ? "layer " + layers[0].index : ""));
    svg.append(sv("text", { x: left + pw, y: H - 4, "text-anchor": "end" },
      n ? "layer " + layers[n - 1].index : ""));
    const line = [];
    for (let b = 0; b < bins; b++) {
      const a = Math.floor((b * n) / bins), z = Math.floor(((b + 1) * n) / bins);
      let at = a;
      for (let k = a; k < z; k++) if ((values[k] || 0) > (values[at] || 0)) at = k;
      const v = values[at] || 0, x = left + (a / n) * pw, bw = ((z - a) / n) * pw;
      const l = layers[at];
      const r = opts.line
        ? sv("rect", { x: x, y: top, width: bw, height: ph, class: "hit" })
        : sv("rect", { x: x + 0.1 * bw, y: y(v), width: Math.max(bw * 0.8, 0.6),
          height: top + ph - y(v), class: "bar" });
      r.dataset.i = String(l.index);
      r.append(sv("title", {}, l.index + "  " + label(l) + ": " + show(v)));
      svg.append(r);
      if (opts.line) line.push(xOf(at).toFixed(1) + "," + y(v).toFixed(1));
    }
    if (opts.line && line.length) {
      const area = left.toFixed(1) + "," + (top + ph) + " " + line.join(" ") + " "
        + (left + pw).toFixed(1) + "," + (top + ph);
      const poly = sv("polygon", { points: area, class: "area" });
      svg.insertBefore(poly, svg.firstChild);
    }
    for (const peak of opts.peaks || []) {
      const x = xOf(pos[peak.index]);
      svg.append(sv("line", { x1: x, y1: top - 4, x2: x, y2: top + ph, class: "peak" }));
      svg.append(sv("text", { x: Math.min(x + 3, W - 150), y: top + 4, class: "peak-label" },
        peak.text));
    }
    const cursor = sv("line", { x1: 0, y1: top, x2: 0, y2: top + ph, class: "cursor",
      visibility: "hidden" });
    svg.append(cursor);
    svg.addEventListener("click", (e) => {
      const r = e.target.closest("rect[data-i]");
      if (r) select(Number(r.dataset.i));
    });
    fig.append(svg, el("figcaption", null, title));
    $("plot-grid").append(fig);
    const made = {
      bars: bins,
      cursor: (item) => {
        const k = typeof item === "number" ? pos[item] : undefined;
        if (k === undefined) { cursor.setAttribute("visibility", "hidden"); return; }
        cursor.setAttribute("x1", xOf(k));
        cursor.setAttribute("x2", xOf(k));
        cursor.setAttribute("visibility", "visible");
      },
    };
    plots.push(made);
    return made;
  }
  function peakOf(at, what, size) {
    if (!at || typeof at !== "object") return { peaks: [], text: "" };
    const where = (at.phase ? at.phase : "") + (at.layer ? " at " + at.layer : "");
    const text = what + " " + bytes(size) + (where ? " (" + where + ")" : "");
    const placed = typeof at.index === "number" && pos[at.index] !== undefined;
    return { peaks: placed ? [{ index: at.index, text: "▲ " + what }] : [], text: text };
  }
  const num0 = (key) => layers.map((l) => (typeof l[key] === "number" ? l[key] : 0));
  if (layers.length) {
    plot("Parameters per layer (" + num(total.params) + " in all)", num0("params"), num, {});
    plot("MACs per layer (" + num(total.macs) + " in all)", num0("macs"), num, {});
    const infer = peakOf(mem.inference_peak_at, "inference peak", mem.inference_peak_bytes);
    if (layers.some((l) => typeof l.activation_bytes === "number")) {
      plot("Activation (each layer's output)" + (infer.text ? "; " + infer.text : ""),
        num0("activation_bytes"), bytes, { peaks: infer.peaks });
    }
    const train = peakOf(mem.training_peak_at, "training peak", mem.training_bytes);
    if (layers.some((l) => typeof l.kept_bytes === "number")) {
      let sum = 0;
      const kept = layers.map((l) => (sum += typeof l.kept_bytes === "number" ? l.kept_bytes : 0));
      plot("Kept for backward, adding up along the forward pass"
        + (train.text ? "; " + train.text : ""), kept, bytes, { line: true, peaks: train.peaks });
    }
  }

  // --- start ---------------------------------------------------------------------
  build(Math.min(2, maxDepth));
  const wanted = /(?:^#|&)layer=(\d+)/.exec(location.hash);
  let first = layers.length ? layers[0].index : null;
  for (const l of layers) if (note(l.index).window) { first = l.index; break; }
  select(wanted && L[Number(wanted[1])] ? Number(wanted[1]) : first);
  if (/selfcheck/.test(location.hash)) selfcheck();

  // --- the page checks itself (browser tests) -----------------------------------------------
  function selfcheck() {
    const failures = [];
    let checks = 0;
    const check = (ok, what) => { checks++; if (!ok) failures.push(what); };
    const near = (a, b) => a === b || Math.abs(a - b) <= Math.abs(b) * 1e-3;
    const click = (e) => { e.dispatchEvent(new MouseEvent("click", { bubbles: true })); };
    try {
      for (const dd of document.querySelectorAll("#totals dd[data-total]")) {
        const key = dd.dataset.total, want = key in total ? total[key] : mem[key];
        check(/B$/.test(dd.textContent) ? sameBytes(dd.textContent, want)
          : near(unnum(dd.textContent), want), "total " + key + ": " + dd.textContent);
      }
      check(layers.length === noteOf.length, "one note per layer");
      let rows = 0;
      for (const [i, tr] of rowOf) {
        rows++;
        const l = L[i];
        for (const td of tr.querySelectorAll("td[data-field]")) {
          const f = td.dataset.field;
          check(near(unnum(td.textContent), l[f]), "row " + i + " " + f + ": " + td.textContent);
        }
        check(tr.children[2].textContent === shape(l.output_shape), "row " + i + " shape");
        check(tr.children[1].textContent.endsWith(label(l)), "row " + i + " label");
      }
      check(rows > 0, "rows shown");
      let missing = 0;
      for (const l of layers) if (!(svgOf[l.index] || []).length) missing++;
      check(missing === 0, missing + " layers without a shape in the diagram");
      // a click on a row selects its layer in the diagram and shows its arithmetic
      const target = first;
      const tr = rowOf.get(target);
      check(!!tr, "the first windowed layer has a row");
      if (tr) {
        click(tr.children[1]);
        check(current === target && tr.classList.contains("sel"), "row click selects its row");
        const gs = svgOf[target] || [];
        check(gs.length > 0 && gs.every((g) => g.classList.contains("sel")),
          "row click selects the layer in the diagram");
        const pre = document.querySelector("#detail pre.explain");
        const lines = note(target).explain;
        check(lines.length === 0 ? !pre : !!pre && pre.textContent === lines.join("\n"),
          "the explain lines shown");
        const w = note(target).window;
        const slide = document.querySelector("#detail svg.slide");
        check(!w === !slide, "the window picture is there for a windowed layer");
        if (slide) {
          const range = document.querySelector("#detail .slider input");
          range.value = range.max;
          range.dispatchEvent(new Event("input"));
          const taps = slide.querySelectorAll("rect.tap").length;
          check(taps === w.k || slide.querySelectorAll("rect.cell").length < w.k,
            "the last window shows its F taps");
          check(slide.querySelectorAll("rect.out.on").length === 1, "one output lit");
        }
        for (const td of document.querySelectorAll("#detail [data-field]")) {
          const f = td.dataset.field, part = f.split(".");
          const want = part.length === 2 ? (L[target].compare || {})[part[0]][part[1]]
            : L[target][f];
          check(near(unnum(td.textContent), want), "detail " + f + ": " + td.textContent);
        }
      }
      // a click in the diagram selects the row (unfolding blocks to reach it)
      const last = layers[layers.length - 1].index;
      const g = (svgOf[last] || [])[0];
      if (g) {
        click(g.querySelector("rect, polygon, text"));
        const want = indicesOf(g)[0];
        check(current === want, "diagram click selects layer " + want + ", got " + current);
        const row = rowOf.get(want);
        check(!!row && row.classList.contains("sel"), "diagram click selects the table row");
      }
      // folding and unfolding a block
      const block = blocks.find((b) => trOf.has(b));
      if (block) {
        const before = tbody.rows.length, was = block.open;
        click(trOf.get(block).children[1]);
        const after = tbody.rows.length;
        check(was ? after < before : after > before, "a block folds and unfolds");
        click(trOf.get(block).children[1]);
        check(tbody.rows.length === before, "and back");
      }
      const bars = document.querySelectorAll("#plot-grid svg")[0];
      check(!!bars && bars.querySelectorAll("rect[data-i]").length === Math.min(BINS,
        layers.length), "the parameter plot has its bars");
      check(plots.length >= 2, "the plots are drawn");
    } catch (e) {
      failures.push("selfcheck threw: " + e);
    }
    const out = $("selfcheck");
    out.textContent = JSON.stringify({ ok: failures.length === 0 && errors.length === 0,
      checks: checks, failures: failures, errors: errors, rows: tbody.rows.length });
  }
})();
