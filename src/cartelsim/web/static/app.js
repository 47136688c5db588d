// cartelsim dashboard: everything comes from the JSON API (see /docs); controls are generated
// from the intervention schema and the parameter catalogue, never re-declared here.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = { actions: {}, parameters: [], groups: [],
                limits: {}, loaded: null, polling: null };
const DEFAULT_RUNS = 20;   // a small paired ensemble: a few seconds

async function api(path, options = {}) {
  const response = await fetch(path, options);
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const message = body && body.error ? body.error : `${response.status} ${response.statusText}`;
    throw new Error(message);
  }
  return body;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function showError(message) {
  const box = $("#error");
  box.textContent = message || "";
  box.hidden = !message;
}

function fmt(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return value.toExponential(2);
  return value.toLocaleString("en-US", { maximumSignificantDigits: digits + 2 });
}

// ---------- setup ----------
async function init() {
  try {
    const [systems, scenarios, interventions, parameters, limits] = await Promise.all([
      api("/api/systems"), api("/api/scenarios"), api("/api/interventions"),
      api("/api/parameters"), api("/api/limits")]);
    state.actions = interventions.actions;
    state.parameters = parameters;
    state.limits = limits;
    for (const s of systems) {
      $("#system").append(el("option", { value: s.name, disabled: !s.available,
        text: s.label + (s.available ? "" : " (not installed)") }));
    }
    $("#scenario").append(el("option", { value: "", text: "an empty scenario" }));
    for (const s of scenarios) {
      $("#scenario").append(el("option", { value: s.name, text: s.name }));
    }
    $("#runs").max = limits.max_runs;
    $("#weeks").max = limits.max_weeks;
    $("#limits").textContent = `This server takes up to ${limits.max_runs} runs and ` +
      `${limits.max_weeks} weeks per request.`;
    buildParameterTable();
    const report = (err) => showError(err.message);
    $("#system").addEventListener("change", () => { showError(""); loadGroups().catch(report); });
    $("#scenario").addEventListener("change",
      () => loadScenario($("#scenario").value).catch(report));
    $("#add-intervention").addEventListener("click", () => addIntervention({
      action: "prevent_recruitment", effect: 0.3 }));
    $("#run").addEventListener("click", run);
    $("#download-toml").addEventListener("click", downloadToml);
    $("#parameter-filter").addEventListener("input", filterParameters);
    $("#network-box").addEventListener("toggle", () => {  // drawn while closed: fit on open
      for (const id of ["network-before", "network-after"]) {
        if ($(`#${id}`).data) Plotly.Plots.resize(id);
      }
    });
    const preferred = scenarios.find((s) => s.name === "cjng-leader-killed");
    $("#scenario").value = preferred ? preferred.name : "";
    await loadScenario($("#scenario").value);
    drawMexico().catch(report);
    document.body.dataset.ready = "true";
  } catch (err) {
    showError(`Could not load the dashboard: ${err.message}`);
  }
}

async function loadGroups() {
  state.groups = await api(`/api/systems/${encodeURIComponent($("#system").value)}/groups`);
  for (const card of document.querySelectorAll(".intervention")) {
    const spec = readIntervention(card);
    card.replaceWith(interventionCard(spec));
  }
}

async function loadScenario(name) {
  document.body.dataset.loading = "true";  // the form is rewritten until this is "false"
  showError("");
  const scenario = name ? await api(`/api/scenarios/${encodeURIComponent(name)}`) :
    { name: "my-scenario", description: "", system: { name: "mexico2025" },
      horizon: { start: "2026-01-01", weeks: 260 }, parameters: {},
      run: { engine: "stochastic", runs: DEFAULT_RUNS, seed: 1 },
      mechanisms: { money: false, protection: false, territory: false }, interventions: [] };
  state.loaded = scenario;
  $("#system").value = scenario.system.name;
  $("#scenario-description").textContent = scenario.description || "";
  $("#name").value = scenario.name;
  $("#runs").value = Math.min(scenario.run.runs, DEFAULT_RUNS, state.limits.max_runs);
  $("#weeks").value = Math.min(scenario.horizon.weeks, state.limits.max_weeks);
  $("#start").value = scenario.horizon.start || "";
  $("#engine").value = scenario.run.engine;
  $("#seed").value = scenario.run.seed;
  $("#money").checked = !!(scenario.mechanisms && scenario.mechanisms.money);
  $("#protection").checked = !!(scenario.mechanisms && scenario.mechanisms.protection);
  $("#territory").checked = !!(scenario.mechanisms && scenario.mechanisms.territory);
  for (const row of document.querySelectorAll("#parameters .param")) {
    const spec = state.parameters.find((p) => p.name === row.dataset.name);
    const value = scenario.parameters && row.dataset.name in scenario.parameters ?
      scenario.parameters[row.dataset.name] : spec.default;
    row.querySelector("input").value = value;
    markChanged(row);
  }
  await loadGroups();
  $("#interventions").replaceChildren();
  for (const spec of scenario.interventions || []) addIntervention(spec);
  document.body.dataset.loading = "false";
}

// ---------- parameters (from the catalogue) ----------
function buildParameterTable() {
  const box = $("#parameters");
  for (const p of state.parameters) {
    const input = el("input", { type: "number", step: "any", value: p.default,
      min: p.minimum ?? undefined, max: p.maximum ?? undefined, "aria-label": p.name });
    const row = el("div", { class: "param", "data-name": p.name },
      el("div", { class: "param-head" }, el("code", { text: p.name }), input,
         el("span", { class: "unit", text: p.unit })),
      el("div", { class: "param-meta", text: `${p.description} Plausible range ` +
        `${fmt(p.low)} – ${fmt(p.high)} (default ${fmt(p.default)}` +
        (p.origin.startsWith("calibrated") ? `, calibrated; catalogue ${fmt(p.catalogue)}` : "") +
        `). Source: ${p.source}` }));
    input.addEventListener("input", () => markChanged(row));
    box.append(row);
  }
}

function markChanged(row) {
  const spec = state.parameters.find((p) => p.name === row.dataset.name);
  const value = parseFloat(row.querySelector("input").value);
  row.classList.toggle("changed", !Number.isNaN(value) && value !== spec.default);
  $("#changed-count").textContent = document.querySelectorAll("#parameters .param.changed").length;
}

function filterParameters() {
  const text = $("#parameter-filter").value.toLowerCase();
  for (const row of document.querySelectorAll("#parameters .param")) {
    row.hidden = text && !row.textContent.toLowerCase().includes(text);
  }
}

function changedParameters() {
  const out = {};
  for (const row of document.querySelectorAll("#parameters .param.changed")) {
    out[row.dataset.name] = parseFloat(row.querySelector("input").value);
  }
  return out;
}

// ---------- interventions (from the intervention schema) ----------
function addIntervention(spec) {
  $("#interventions").append(interventionCard(spec));
}

function groupOptions(select, chosen) {
  const named = state.groups.filter((g) => !g.synthetic);
  const synthetic = state.groups.filter((g) => g.synthetic);
  for (const [label, list] of [["named groups", named], ["synthetic tail", synthetic]]) {
    if (!list.length) continue;
    const group = el("optgroup", { label });
    for (const g of list) {
      group.append(el("option", { value: g.id, text: g.id === g.name ? g.id : `${g.name} (${g.id})`,
        selected: chosen.includes(g.id) }));
    }
    select.append(group);
  }
}

// one control per option, as the registry describes it: a menu for a fixed list (with a
// "default" entry unless the option is required), a bounded number, or free text
function optionInput(info, name, value) {
  const cls = `option-${name}`;
  const choices = (info.choices || {})[name];
  if (choices) {
    const select = el("select", { class: cls, "aria-label": name });
    const required = (info.required || []).includes(name);
    for (const c of required ? choices : ["", ...choices]) {
      select.append(el("option", { value: c, text: c || "(default)", selected: c === (value ?? "") }));
    }
    return select;
  }
  const bounds = (info.numbers || {})[name];
  if (bounds) {
    return el("input", { class: cls, type: "number", step: "any", min: bounds[0], max: bounds[1],
      value: value ?? "", "aria-label": name });
  }
  return el("input", { class: cls, type: "text", value: value || "", "aria-label": name });
}

function interventionCard(spec) {
  const card = el("div", { class: "intervention", "data-label": spec.label || "" });
  if (spec.when) card.dataset.when = JSON.stringify(spec.when);  // kept as loaded (no control)
  const action = el("select", { class: "action", "aria-label": "action" });
  for (const name of Object.keys(state.actions)) {
    action.append(el("option", { value: name, text: name, selected: name === spec.action }));
  }
  const remove = el("button", { type: "button", class: "remove", text: "remove" });
  remove.addEventListener("click", () => card.remove());
  card.append(el("div", { class: "head" }, el("label", {}, "action", action), remove));

  const info = state.actions[spec.action] || state.actions[action.value];
  const effect = el("input", { class: "effect", type: "number", step: "any",
    min: info.low, max: info.high, value: spec.effect ?? "", "aria-label": "effect" });
  card.append(el("label", {}, `effect (${info.low} – ${info.high})`, effect));
  card.append(el("p", { class: "effect-help", text: `${info.effect} [${info.kind}]` }));

  const when = el("div", { class: "row" });
  when.append(el("label", {}, "start", el("input", { class: "start", type: "date",
    value: spec.start || "" })));
  when.append(el("label", {}, "end (optional)", el("input", { class: "end", type: "date",
    value: spec.end || "" })));
  if (info.kind === "once") {
    when.append(el("label", {}, "every weeks (optional)", el("input", { class: "every_weeks",
      type: "number", min: 1, step: 1, value: spec.every_weeks ?? "" })));
  }
  card.append(when);

  for (const [name, help] of Object.entries(info.options || {})) {
    card.append(el("label", {}, name, optionInput(info, name, spec[name])),
      el("p", { class: "effect-help", text: help }));
  }

  const target = spec.target || {};
  const national = Boolean(info.national);
  const rule = el("select", { class: "rule", disabled: national });
  const current = target.groups ? "groups" : target.largest ? "largest" :
    target.rivals_of ? "rivals_of" : "every";
  for (const [value, text] of [["every", "every group"], ["groups", "named groups"],
                               ["largest", "the largest N"], ["rivals_of", "the rivals of"]]) {
    rule.append(el("option", { value, text, selected: value === current }));
  }
  const detail = el("span", { class: "target-detail" });
  const drawTarget = () => {
    detail.replaceChildren();
    if (rule.value === "groups") {
      const select = el("select", { class: "groups", multiple: true, size: 4, "aria-label": "groups" });
      groupOptions(select, target.groups || []);
      detail.append(select);
    } else if (rule.value === "largest") {
      detail.append(el("input", { class: "largest", type: "number", min: 1, step: 1,
        value: target.largest || 3, "aria-label": "largest" }));
    } else if (rule.value === "rivals_of") {
      const select = el("select", { class: "rivals_of", "aria-label": "rivals of" });
      groupOptions(select, [target.rivals_of || ""]);
      detail.append(select);
    }
  };
  rule.addEventListener("change", drawTarget);
  drawTarget();
  card.append(el("div", { class: "row" }, el("label", {}, national ? "target (whole country)" :
    "target", rule), detail));

  action.addEventListener("change", () => {
    const next = readIntervention(card);
    next.action = action.value;
    const bounds = state.actions[action.value];
    if (next.effect === undefined || next.effect < bounds.low || next.effect > bounds.high) {
      next.effect = Math.min(Math.max(next.effect ?? bounds.low, bounds.low), bounds.high);
    }
    for (const name of bounds.required || []) {  // a required menu starts at its first value
      const choices = (bounds.choices || {})[name];
      if (choices && !choices.includes(next[name])) next[name] = choices[0];
    }
    card.replaceWith(interventionCard(next));
  });
  return card;
}

function readIntervention(card) {
  const value = (cls) => { const n = card.querySelector(`.${cls}`); return n ? n.value : ""; };
  const spec = { action: value("action") };
  if (card.dataset.label) spec.label = card.dataset.label;
  if (card.dataset.when) spec.when = JSON.parse(card.dataset.when);
  if (value("effect") !== "") spec.effect = parseFloat(value("effect"));
  for (const key of ["start", "end"]) if (value(key)) spec[key] = value(key);
  if (value("every_weeks")) spec.every_weeks = parseInt(value("every_weeks"), 10);
  const info = state.actions[spec.action] || {};
  for (const name of Object.keys(info.options || {})) {
    const given = value(`option-${name}`);
    if (given !== "") spec[name] = name in (info.numbers || {}) ? parseFloat(given) : given;
  }
  const rule = card.querySelector(".rule");
  if (rule && !rule.disabled) {
    if (rule.value === "groups") {
      const chosen = [...card.querySelectorAll(".groups option:checked")].map((o) => o.value);
      spec.target = { groups: chosen };
    } else if (rule.value === "largest") {
      spec.target = { largest: parseInt(value("largest"), 10) };
    } else if (rule.value === "rivals_of") {
      spec.target = { rivals_of: value("rivals_of") };
    }
  }
  return spec;
}

// ---------- the request ----------
function scenarioBody() {
  const loaded = state.loaded || {};
  const system = { ...(loaded.system || {}), name: $("#system").value };
  if (system.name !== (loaded.system || {}).name) { delete system.groups; delete system.tail_seed; }
  const horizon = { weeks: parseInt($("#weeks").value, 10) };
  if ($("#start").value) horizon.start = $("#start").value;
  return {
    name: $("#name").value || "my-scenario",
    description: loaded.description || "",
    system,
    horizon,
    parameters: changedParameters(),
    run: { ...(loaded.run || {}), engine: $("#engine").value,
           runs: parseInt($("#runs").value, 10), seed: parseInt($("#seed").value, 10) },
    // the switches the form shows, over the loaded ones it does not (fragmentation)
    mechanisms: { ...(loaded.mechanisms || {}), money: $("#money").checked,
                  protection: $("#protection").checked, territory: $("#territory").checked },
    interventions: [...document.querySelectorAll(".intervention")].map(readIntervention),
  };
}

async function downloadToml() {
  showError("");
  try {
    const body = scenarioBody();
    const text = await api("/api/scenario.toml", { method: "POST",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "application/toml" })),
      download: `${body.name}.toml` });
    document.body.append(link);
    link.click();
    link.remove();
  } catch (err) {
    showError(err.message);
  }
}

async function run() {
  showError("");
  const button = $("#run");
  button.disabled = true;
  $("#progress-box").hidden = false;
  $("#progress").value = 0;
  $("#status").textContent = "submitting";
  try {
    const job = await api("/api/runs", { method: "POST",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(scenarioBody()) });
    const done = await poll(job.id);
    if (done.state !== "done") throw new Error(done.error || "the run failed");
    showResults(await api(`/api/runs/${job.id}/results`));
    $("#status").textContent = "done";
  } catch (err) {
    showError(err.message);
    $("#status").textContent = "stopped";
  } finally {
    button.disabled = false;
  }
}

async function poll(id) {
  for (;;) {
    const status = await api(`/api/runs/${id}`);
    $("#progress").value = status.progress;
    $("#status").textContent = `${status.message} ${Math.round(100 * status.progress)} %`;
    if (status.state === "done" || status.state === "failed") return status;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// ---------- results ----------
const COLORS = { "status-quo": "107,119,133", policy: "217,115,13", difference: "46,111,184" };
// Titles are short enough for the narrowest chart (360 px) and sit inside the top margin.
const TITLE = { font: { size: 13 }, x: 0.5, xanchor: "center", y: 0.98, yanchor: "top" };
const LAYOUT = { margin: { l: 60, r: 10, t: 48, b: 36 }, height: 320,
                 legend: { orientation: "h", y: -0.15 }, font: { size: 11 } };
const CONFIG = { displaylogo: false, responsive: true };

function bands(dates, fan, key, name) {
  const rgb = COLORS[key];
  const edge = { width: 0 };
  return [
    { x: dates, y: fan.q05, mode: "lines", line: edge, showlegend: false, hoverinfo: "skip" },
    { x: dates, y: fan.q95, mode: "lines", line: edge, fill: "tonexty",
      fillcolor: `rgba(${rgb},0.15)`, name: `${name}: 90 % of runs`, hoverinfo: "skip" },
    { x: dates, y: fan.q25, mode: "lines", line: edge, showlegend: false, hoverinfo: "skip" },
    { x: dates, y: fan.q75, mode: "lines", line: edge, fill: "tonexty",
      fillcolor: `rgba(${rgb},0.3)`, name: `${name}: 50 %`, hoverinfo: "skip" },
    { x: dates, y: fan.q50, mode: "lines", line: { color: `rgb(${rgb})`, width: 2 },
      name: `${name}: median` },
  ];
}

function drawFans(fans, title) {
  for (const [key, chart] of Object.entries(fans)) {
    const traces = [...bands(chart.dates, chart["status-quo"], "status-quo", "status quo"),
                    ...bands(chart.dates, chart.policy, "policy", title)];
    Plotly.react(`fan-${key}`, traces, { ...LAYOUT, title: { ...TITLE, text: chart.label },
      yaxis: { automargin: true, title: { text: chart.unit } } }, CONFIG);
  }
  const h = fans.homicides;
  Plotly.react("fan-difference", bands(h.dates, h.difference, "difference", "difference"),
    { ...LAYOUT, title: { ...TITLE, text: "Homicides / week: your scenario − status quo" },
      yaxis: { automargin: true },
      shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: 0, y1: 0,
                 line: { color: "#333", width: 1, dash: "dot" } }] }, CONFIG);
}

// ---------- maps (figures built by the server: cartelsim.territory.maps_web) ----------
const MAP_LAYOUT = { height: 500, autosize: true };

function drawMap(div, figure) {
  const layout = { ...figure.layout, ...MAP_LAYOUT };
  delete layout.width;
  return Plotly.react(div, figure.data, layout, CONFIG);
}

async function drawMexico() {
  const maps = await api("/api/maps");
  await drawMap("map-homicides", maps.homicides);
  await drawMap("map-control", maps.control);
  document.body.dataset.maps = "true";
}

// A chart box per map the results have (an empty box would be a chart without a title):
// the change in homicides by state and the flow north when the results carry them, and
// control by group.
function drawResultMaps(maps) {
  const box = $("#result-maps");
  box.replaceChildren();
  for (const name of ["change", "control", "flows"]) {
    if (!maps[name]) continue;
    const div = el("div", { id: `map-result-${name}`, class: "chart map" });
    box.append(div);
    drawMap(div, maps[name]);
  }
  $("#maps-note").textContent = (maps.change ? "Change in homicides by state (your scenario − " +
    "status quo, median of paired runs; hatched: the 90 % interval includes 0). " :
    "These results have no homicides by state (they come with the territory model). ") +
    "Strongest group per state at the end of your scenario; hatched: contested." +
    (maps.flows ? " Flow north: tonnes per week by crossing; line widths route them over " +
     "least-cost paths at default costs." : "");
}

const LABEL_SIDES = ["top center", "bottom center", "middle right", "middle left"];

// Short display names: the part before " (" or " /", at most 24 characters.
function shortName(name) {
  const cut = name.split(/ \(| \//)[0];
  return cut.length > 24 ? `${cut.slice(0, 23)}…` : cut;
}

function drawNetwork(div, net, sizes, title, colors) {
  const xs = [], ys = [];
  for (const [i, j] of net.rivalry) {
    xs.push(net.nodes[i].x, net.nodes[j].x, null);
    ys.push(net.nodes[i].y, net.nodes[j].y, null);
  }
  const biggest = Math.max(1, ...sizes);
  const order = sizes.map((s, i) => [s, i]).filter(([s, i]) => !net.nodes[i].synthetic && s > 0)
    .sort((a, b) => b[0] - a[0]).slice(0, 8).map((p) => p[1]);
  const node = {
    x: net.nodes.map((n) => n.x), y: net.nodes.map((n) => n.y), mode: "markers+text",
    text: net.nodes.map((n, i) => (order.includes(i) ? shortName(n.name) : "")),
    // the largest groups sit close together: alternate label sides so they overlap less
    textposition: net.nodes.map((n, i) => LABEL_SIDES[Math.max(0, order.indexOf(i)) % 4]),
    textfont: { size: 10, color: "#1d2329" },
    hovertext: net.nodes.map((n, i) => `${n.name}<br>start ${fmt(net.start[i])}<br>` +
      `end, status quo ${fmt(net.end_status_quo[i])}<br>end, your scenario ${fmt(net.end_policy[i])}`),
    hoverinfo: "text", name: "groups",
    marker: { size: sizes.map((s) => (s > 0 ? 4 + 36 * Math.sqrt(s / biggest) : 3)),
              opacity: net.nodes.map((n, i) => (order.includes(i) ? 1 : 0.3)),
              color: colors || "rgb(107,119,133)", line: { width: 0.5, color: "#fff" },
              ...(colors ? { colorscale: "PuOr", cmin: -1, cmax: 1,
                             colorbar: { title: { text: "members<br>vs status quo" }, thickness: 10,
                                         tickvals: [-1, -0.5, 0, 0.5, 1],
                                         ticktext: ["−100 %", "−50 %", "0", "+50 %", "≥ +100 %"] } } : {}) },
  };
  const edges = { x: xs, y: ys, mode: "lines", line: { color: "rgba(170,40,40,0.12)", width: 1 },
                  hoverinfo: "skip", name: "rivalry" };
  Plotly.react(div, [edges, node], { ...LAYOUT, title: { ...TITLE, text: title }, showlegend: false,
    xaxis: { visible: false }, yaxis: { visible: false, scaleanchor: "x" } }, CONFIG);
}

// Rounded as the server says (analysis.rounding): the interval's width keeps two
// significant digits; coloured only when the interval excludes zero.
function fixed(value, decimals) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  const text = value.toLocaleString("en-US", { minimumFractionDigits: decimals,
                                                maximumFractionDigits: decimals });
  return text.replace(/^-/, "−").replace(/^−(0[.,]?0*)$/, "$1");
}

function drawDifferences(rows) {
  const body = $("#diff-table tbody");
  body.replaceChildren();
  for (const r of rows) {
    const tone = r.direction || "";
    const months = Number(r.horizon_months.toFixed(1));
    body.append(el("tr", {},
      el("td", { text: r.variable }),
      el("td", { class: "num", text: `${months} ${months === 1 ? "month" : "months"}` }),
      el("td", { text: r.date }),
      el("td", { class: "num", text: fixed(r.base, r.level_decimals) }),
      el("td", { class: "num", text: fixed(r.policy, r.level_decimals) }),
      el("td", { class: `num diff ${tone}`, title: tone ? `${tone} in at least 90 % of worlds` :
        "the interval holds zero", text: `${fixed(r.difference, r.decimals)} ` +
        `[${fixed(r.low, r.decimals)}, ${fixed(r.high, r.decimals)}]` }),
      el("td", { class: "num", text: r.relative === null ? "–" :
        `${fixed(100 * r.relative, Math.abs(r.relative) >= 0.1 ? 0 : 1)} %` }),
      el("td", { class: "num", text: `${Math.round(100 * r.p_lower)} %` })));
  }
}

function showResults(result) {
  $("#results").hidden = false;
  $("#placeholder").hidden = true;
  $("#results-title").textContent = `Results: ${result.scenario}`;
  const failed = result.failed_runs.policy + result.failed_runs["status-quo"];
  $("#results-meta").textContent = `${result.runs} paired ${result.engine} runs of ` +
    `${result.weeks} weeks from ${result.start} on ${result.system}, seed ${result.seed}; ` +
    `interventions: ${result.interventions.join("; ") || "none"}. ` +
    `${failed ? `${failed} failed runs are left out. ` : ""}Took ${result.elapsed_s} s.`;
  $("#horizons-from").textContent = result.horizons_from || result.start;
  drawResultMaps(result.maps || {});
  drawDifferences(result.differences);
  drawFans(result.fans, "your scenario");
  const net = result.network;
  drawNetwork("network-before", net, net.start, `Start (${result.start})`);
  const change = net.end_policy.map((p, i) => {
    const b = net.end_status_quo[i];
    return b > 0 ? Math.max(-1, Math.min(1, p / b - 1)) : (p > 0 ? 1 : 0);
  });
  drawNetwork("network-after", net, net.end_policy, "End, your scenario", change);
  const list = $("#downloads");
  list.replaceChildren();
  const labels = { "results.json": "results (JSON)", "results.csv": "national series of both scenarios (CSV)",
    "differences.csv": "paired differences (CSV)", "results.nc": "both scenarios (NetCDF)",
    "scenario.toml": "the scenario (TOML, for cartelsim run)" };
  for (const [name, label] of Object.entries(labels)) {
    list.append(el("li", {}, el("a", { href: result.links[name], download: "", text: label })));
  }
  document.body.dataset.results = result.id;
}

document.addEventListener("DOMContentLoaded", init);
