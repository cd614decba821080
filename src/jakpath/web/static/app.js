// jakpath web UI: fetches the JSON API and draws with the locally served Plotly.
// User-visible text is set with textContent (never innerHTML), so data cannot inject markup.
"use strict";

async function getJSON(url) {
  const r = await fetch(url);
  let body;
  try { body = await r.json(); } catch (e) { throw new Error(`${r.status} ${r.statusText}`); }
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function fmt(x) { return typeof x === "number" ? (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3)) : (x ?? ""); }

// --- search suggestions ---------------------------------------------------------------
function setupSearch() {
  const box = document.getElementById("search"), list = document.getElementById("suggestions");
  if (!box) return;
  let timer;
  box.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      list.replaceChildren();
      if (box.value.trim().length < 2) return;
      const data = await getJSON("/api/search?q=" + encodeURIComponent(box.value));
      for (const s of data.suggestions) {
        const li = el("li"), a = el("a", `${s.name} (${s.kind})`, {href: `/${s.kind === "cytokine" ? "api/cytokines" : s.kind}/${encodeURIComponent(s.id)}`});
        li.appendChild(a); list.appendChild(li);
      }
    }, 150);
  });
}

// --- disease page: coverage vs safety burden, and citations that open the references -------
async function coveragePlot(div) {
  const data = await getJSON("/api/rank?disease=" + encodeURIComponent(div.dataset.disease));
  const rows = data.rows;
  Plotly.newPlot(div, [{
    x: rows.map(r => r.safety), y: rows.map(r => r.coverage), mode: "markers+text",
    text: rows.map(r => `${r.drug} ${r.regimen}`), textposition: "top center",
    marker: {color: rows.map(r => r.pareto ? "crimson" : "steelblue"), size: 9}, type: "scatter",
  }], {title: {text: "coverage vs safety burden (red: Pareto set)"},
       xaxis: {title: {text: "safety burden (0-1, lower is better)"}}, yaxis: {title: {text: "coverage of driving pathways"}}},
  {displaylogo: false, responsive: true});
}

function openCitedReference() {
  const target = location.hash && document.getElementById(location.hash.slice(1));
  const details = target && target.closest("details");
  if (details) { details.open = true; target.scrollIntoView({block: "center"}); }
}

// --- drug page: potency heatmap and PK curves ------------------------------------------------
async function potencyPlot(div) {
  const data = await getJSON("/api/potency/" + encodeURIComponent(div.dataset.drug));
  const rows = data.rows.filter(r => r.ic50_total_nM !== "inf");
  Plotly.newPlot(div, [{
    type: "heatmap", x: rows.map(r => r.cytokine_id), y: ["log10 IC50 (nM)"],
    z: [rows.map(r => Math.log10(r.ic50_total_nM))],
    text: [rows.map(r => `${r.tier}: ${fmt(r.ic50_total_nM)} nM`)], hoverinfo: "x+text",
    colorscale: "Viridis", reversescale: true,
  }], {title: {text: "potency per pathway (hover: tier)"}, height: 260}, {displaylogo: false});
}

async function pkPlot(div) {
  const regimens = (div.dataset.regimens || "").split("|").filter(Boolean);
  const traces = [];
  for (const reg of regimens) {
    try {
      const data = await getJSON(`/api/simulate?drug=${encodeURIComponent(div.dataset.drug)}&regimen=${encodeURIComponent(reg)}`);
      const parent = data.rows.filter(r => r.analyte === div.dataset.drug);
      traces.push({x: parent.map(r => r.time_h), y: parent.map(r => r.conc_total_nM), name: reg, mode: "lines"});
    } catch (e) { /* regimen without PK data: not drawn */ }
  }
  Plotly.newPlot(div, traces, {title: {text: "steady-state total plasma concentration"}, xaxis: {title: {text: "h"}}, yaxis: {title: {text: "nM"}, type: "log"}}, {displaylogo: false});
}

// --- simulator -----------------------------------------------------------------------------
// Patient fields: element "p-<name>" holds query parameter <name> (as /api/simulate reads them);
// "with" is a comma-separated list sent as repeated parameters.
const PATIENT_FIELDS = ["egfr", "crcl", "child_pugh", "with", "cyp2c19", "weight_kg", "age_years", "sex"];

function patientParams() {
  const out = new URLSearchParams();
  for (const k of PATIENT_FIELDS) {
    const v = document.getElementById("p-" + k).value.trim();
    if (!v) continue;
    if (k === "with") { for (const d of v.split(",").map(x => x.trim()).filter(Boolean)) out.append("with", d); }
    else out.append(k, v);
  }
  return out;
}

function simState() {
  const f = document.getElementById("formulation").value;
  return {
    drug: document.getElementById("drug").value,
    regimen: `${document.getElementById("dose").value} mg every ${document.getElementById("interval").value}h${f ? " " + f : ""}`,
    pathways: document.getElementById("pathways").value,
  };
}

function showPatient(data) {
  const box = document.getElementById("patient-result");
  const summary = document.getElementById("patient-summary");
  if (!data || !data.patient) { box.hidden = true; summary.textContent = "typical patient"; return; }
  summary.textContent = data.patient;
  document.getElementById("patient-described").textContent = data.patient;
  const effects = data.patient_effects || [];
  const ratio = effects.length ? effects[0].auc_ratio_vs_typical : null;
  document.getElementById("auc-ratio").textContent = typeof ratio === "number"
    ? `exposure (AUC) ${fmt(ratio)} x the typical patient's` : "no covariate effect applies to this drug's model";
  const recs = document.getElementById("label-recs");
  recs.replaceChildren();
  const labels = data.label_recommendations || [];
  if (!labels.length) recs.appendChild(el("li", "label: no dose recommendation for this patient"));
  for (const t of labels) recs.appendChild(el("li", t, {class: "label-rec"}));
  const body = document.querySelector("#patient-effects tbody");
  body.replaceChildren();
  for (const r of effects) {
    const tr = el("tr");
    for (const v of [r.covariate, r.patient_value, r.parameter, fmt(r.factor), r.flag, r.source]) tr.appendChild(el("td", v));
    body.appendChild(tr);
  }
  box.hidden = false;
}

function clearResults() {
  for (const id of ["conc-plot", "inh-plot"]) if (window.Plotly) Plotly.purge(id);
  document.querySelector("#metrics tbody").replaceChildren();
  document.getElementById("patient-result").hidden = true;
}

let simRun = 0;  // answers of an older request (the user changed a field meanwhile) are dropped

async function runSim() {
  const run = ++simRun;
  const s = simState(), status = document.getElementById("status"), error = document.getElementById("sim-error");
  const patient = patientParams();
  const api = new URLSearchParams({drug: s.drug, regimen: s.regimen, pathways: s.pathways});
  for (const [k, v] of patient) api.append(k, v);
  const params = new URLSearchParams({drug: s.drug, dose: document.getElementById("dose").value,
    interval: document.getElementById("interval").value, formulation: document.getElementById("formulation").value, pathways: s.pathways});
  for (const [k, v] of patient) params.append(k, v);
  history.replaceState(null, "", "/simulate?" + params.toString());
  document.getElementById("share").href = "/simulate?" + params.toString();
  document.getElementById("sim-json").href = "/api/inhibition?" + api.toString();
  try {
    const typicalQ = new URLSearchParams({drug: s.drug, regimen: s.regimen, pathways: s.pathways});
    const [data, typical] = await Promise.all([
      getJSON("/api/inhibition?course=true&" + api.toString()),
      [...patient].length ? getJSON("/api/inhibition?course=true&" + typicalQ.toString()).catch(() => null) : null,
    ]);
    if (run !== simRun) return;
    error.hidden = true; error.textContent = "";
    status.textContent = `${s.drug} ${s.regimen}${data.patient ? " for " + data.patient : ""}: steady state, data ${data.data_version}`;
    showPatient(data);
    const c = data.course;
    const conc = [{x: c.time_h, y: c.conc_total_nM, mode: "lines", name: data.patient ? "this patient" : "total plasma"}];
    if (typical) conc.push({x: typical.course.time_h, y: typical.course.conc_total_nM, mode: "lines", name: "typical patient", line: {dash: "dash"}});
    Plotly.react("conc-plot", conc,
      {title: {text: "total plasma concentration over the dosing interval"}, xaxis: {title: {text: "h after dose"}}, yaxis: {title: {text: "nM"}}}, {displaylogo: false});
    Plotly.react("inh-plot", Object.entries(c.inhibition).map(([k, v]) => ({x: c.time_h, y: v.map(x => 100 * x), mode: "lines", name: k})),
      {title: {text: "pathway inhibition (%)"}, xaxis: {title: {text: "h after dose"}}, yaxis: {range: [0, 100]}}, {displaylogo: false});
    const body = document.querySelector("#metrics tbody");
    body.replaceChildren();
    const csv = ["cytokine,mean_inhibition,hours_ge_50,trough_inhibition,peak_inhibition,ic50_total_nM,tier"];
    for (const r of data.rows) {
      const tr = el("tr");
      for (const v of [r.cytokine, fmt(r.mean_inhibition), fmt(r.hours_ge_50), fmt(r.trough_inhibition), fmt(r.peak_inhibition), fmt(r.ic50_total_nM), r.tier]) tr.appendChild(el("td", v));
      body.appendChild(tr);
      csv.push([r.cytokine, r.mean_inhibition, r.hours_ge_50, r.trough_inhibition, r.peak_inhibition, r.ic50_total_nM, r.tier].join(","));
    }
    document.getElementById("sim-csv").href = URL.createObjectURL(new Blob([csv.join("\n") + "\n"], {type: "text/csv"}));
    document.getElementById("sim-csv").download = "jakpath_inhibition.csv";
  } catch (e) {
    if (run !== simRun) return;
    clearResults();  // never leave a result on screen that is not the one asked for
    error.textContent = e.message; error.hidden = false;
    status.textContent = "error: " + e.message;
  }
}

function setupSimulator() {
  const form = document.getElementById("sim-form");
  if (!form) return;
  const q = new URLSearchParams(location.search);
  for (const k of ["drug", "dose", "interval", "formulation", "pathways"]) {
    const v = q.get(k), input = document.getElementById(k);
    if (v === null) continue;
    if (k === "interval" && ![...input.options].some(o => o.value === v)) input.appendChild(el("option", `every ${v} h`, {value: v}));
    input.value = v;
  }
  let anyPatient = false;
  for (const k of PATIENT_FIELDS) {
    const v = k === "with" ? q.getAll("with").join(", ") : (q.get(k) ?? "");
    if (v) { document.getElementById("p-" + k).value = v; anyPatient = true; }
  }
  if (anyPatient) document.getElementById("patient-box").open = true;
  const slider = document.getElementById("dose-slider"), dose = document.getElementById("dose");
  slider.value = dose.value;
  slider.addEventListener("input", () => { dose.value = slider.value; runSim(); });
  form.addEventListener("change", () => { slider.value = dose.value; runSim(); });
  form.addEventListener("submit", ev => { ev.preventDefault(); runSim(); });
  runSim();
}

// --- compare ---------------------------------------------------------------------------------
function setupCompare() {
  const go = document.getElementById("compare-go");
  if (!go) return;
  go.addEventListener("click", async () => {
    const lines = document.getElementById("compare-input").value.split("\n").map(l => l.trim()).filter(Boolean);
    const status = document.getElementById("compare-status");
    if (lines.length < 2 || lines.length > 4) { status.textContent = "give two to four regimens"; return; }
    const traces = [];
    try {
      for (const line of lines) {
        const [drug, regimen] = line.split(":").map(x => x.trim());
        const data = await getJSON(`/api/inhibition?drug=${encodeURIComponent(drug)}&regimen=${encodeURIComponent(regimen || "")}`);
        traces.push({type: "bar", name: line, x: data.rows.map(r => r.cytokine), y: data.rows.map(r => 100 * r.mean_inhibition)});
      }
      status.textContent = "";
      Plotly.newPlot("compare-plot", traces, {barmode: "group", title: {text: "mean daily inhibition (%) per pathway"}, height: 480}, {displaylogo: false});
      // burden by safety class: mean inhibition over each class's pathways
      const cyt = await getJSON("/api/cytokines");
      const cls = Object.fromEntries(cyt.rows.filter(r => r.safety_class).map(r => [r.cytokine_id, r.safety_class]));
      const classes = [...new Set(Object.values(cls))].sort();
      const burden = traces.map(t => ({type: "bar", name: t.name, x: classes, y: classes.map(c => {
        const v = t.x.map((k, i) => cls[k] === c ? t.y[i] : null).filter(x => x !== null);
        return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0; })}));
      Plotly.newPlot("burden-plot", burden, {barmode: "group", title: {text: "mean inhibition (%) by safety class"}, height: 380}, {displaylogo: false});
    } catch (e) { status.textContent = "error: " + e.message; }
  });
}

// --- evidence: add a record (token required) --------------------------------------------------
function setupEvidenceForm() {
  const form = document.getElementById("add-form");
  if (!form) return;
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    const token = data.token; delete data.token;
    data.n_patients = Number(data.n_patients);
    const status = document.getElementById("add-status");
    const r = await fetch("/api/evidence", {method: "POST", body: JSON.stringify(data),
      headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token}});
    const body = await r.json();
    if (r.ok) { status.textContent = "added: " + body.added.join(", "); location.reload(); }
    else status.textContent = "error: " + body.error;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupEvidenceForm();
  setupSearch();
  setupSimulator();
  setupCompare();
  const cov = document.getElementById("coverage-plot"); if (cov) coveragePlot(cov);
  window.addEventListener("hashchange", openCitedReference); openCitedReference();
  const pot = document.getElementById("potency-plot"); if (pot) potencyPlot(pot);
  const pk = document.getElementById("pk-plot"); if (pk) pkPlot(pk);
});
